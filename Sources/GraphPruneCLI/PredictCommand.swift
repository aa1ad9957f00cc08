import ArgumentParser
import Foundation
import GraphPruneIO
import GraphPruneInterchange
import GraphPruneNetwork

/// `graphprune predict`: a model's outputs on inputs given as `.npy`, fed exactly as given.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write a model's outputs (logits, float32 .npy) on inputs from a .npy file, without any preprocessing.")

    @Option(help: "The model: a graphprune checkpoint (.safetensors) or an ONNX model (.onnx).")
    var model: String

    @Option(help: "Inputs as .npy, float32 or float64, N × C × H × W or N × features (the model's input layout).")
    var inputs: String

    @Option(help: "Where to write the N × outputs float32 .npy.")
    var output: String

    @Option(help: "Samples per forward pass.")
    var batch = 100

    func validate() throws {
        guard batch > 0 else { throw OptionError("--batch", "\(batch) must be positive") }
    }

    func run() throws {
        try requireWritableDirectory(for: output, option: "--output")
        let network = try ModelFile.load(URL(fileURLWithPath: model)).model
        let x = try NumPyFile.read(from: URL(fileURLWithPath: inputs))
        let sample = network.architecture.inputShape
        let accepted = sample[0] == 1 && sample[1] == 1 ? [[sample[2]], sample] : [sample]
        guard x.shape.count >= 2, accepted.contains(Array(x.shape.dropFirst())) else {
            let expected = accepted.map { "N × " + $0.map(String.init).joined(separator: " × ") }.joined(separator: " or ")
            throw OptionError("--inputs", "\(inputs) has shape \(x.shape); the model takes \(expected)")
        }
        let features = try Tensor(shape: [x.shape[0], sample.reduce(1, *)], storage: x.storage).matrix(Float.self, name: inputs)
        if let bad = features.elements.firstIndex(where: { !$0.isFinite }) {
            throw OptionError("--inputs", "\(inputs) entry \(bad) is not finite")
        }
        let logits = network.logits(features, batch: batch)
        try NumPyFile.write(Tensor(logits), to: URL(fileURLWithPath: output))
    }
}
