import ArgumentParser
import Foundation
import GraphPruneInterchange
import GraphPruneNetwork

/// `graphprune export`: a model in another format, chosen by the output's extension.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model as ONNX (.onnx) or as a PyTorch state dict in safetensors (.safetensors, the graphprune checkpoint format: parameter names as the model had them, `NAME.weight_mask` beside edge-pruned weights).")

    @Option(help: "The model: a graphprune checkpoint (.safetensors) or an ONNX model (.onnx).")
    var model: String

    @Option(help: "Where to write it: OUT.onnx or OUT.safetensors.")
    var output: String

    func run() throws {
        try requireWritableDirectory(for: output, option: "--output")
        let (network, metadata) = try ModelFile.load(URL(fileURLWithPath: model))
        try ModelFile.save(network, to: URL(fileURLWithPath: output), metadata: metadata)
        report("export: \(network.architecture.names.count) nodes, \(network.parameterCount) parameters → \(output)")
    }
}
