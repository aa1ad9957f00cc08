import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneInterchange
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// `graphprune inspect`: a model's graph — every node with its inputs, output shape, parameters
/// and FLOPs — and the dependency groups that structured pruning removes together.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model's graph (nodes, shapes, parameters, FLOPs) and its dependency groups.",
        discussion: "Give a saved model (--model), or an architecture (--arch) with the data set whose input shape and classes it adapts to.")

    @Option(help: "A model: a graphprune checkpoint (.safetensors) or an ONNX model (.onnx).")
    var model: String?

    @Option(help: "An architecture instead of a model: a built-in name (resnet20, vgg11, vgg16) or a spec like 784-256-10.")
    var arch: String?

    @Option(help: "With --arch: the data set giving the input shape and classes.")
    var dataset: Dataset = .fashionMNIST

    @Option(help: "With --dataset npy: the directory of its files.")
    var dataDir: String?

    func validate() throws {
        guard (model == nil) != (arch == nil) else { throw OptionError("--model", "give either --model or --arch") }
    }

    func run() throws {
        let network: Network
        if let model {
            network = try ModelFile.load(URL(fileURLWithPath: model)).model
        } else {
            let (shape, classes) = try dataset.shape(directory: dataDir)
            do {
                let architecture = try Architecture.parse(
                    arch!, inputShape: [shape.channels, shape.height, shape.width], classes: classes)
                network = Network(architecture: architecture, initializer: .glorotUniform, seed: 0)
            } catch let error as ArchitectureError {
                throw OptionError("--arch", error.description)
            }
        }
        print(Self.describe(network), terminator: "")
    }

    /// The report: a header, one line per node, one paragraph per dependency group.
    static func describe(_ network: Network) -> String {
        let architecture = network.architecture
        let shapes = (try? architecture.shapes()) ?? []
        let cost = ModelCost(network)
        let names = architecture.names
        var text = "\(architecture.summary): \(cost.parameters) parameters, \(cost.flops) FLOPs per sample\n"
        let width = max(6, names.map(\.count).max() ?? 0)
        text += column("node", width) + "  " + column("operation", 34) + "  " + column("inputs", 28) + "  " + column("output", 10) + "  parameters       FLOPs\n"
        for (i, spec) in architecture.layers.enumerated() {
            let inputs = architecture.inputs[i].map { $0 == 0 ? "input" : names[$0 - 1] }.joined(separator: " + ")
            let output = shapes[i + 1].map(String.init).joined(separator: "×")
            text += column(names[i], width) + "  " + column(spec.description, 34) + "  " + column(inputs, 28) + "  " + column(output, 10)
                + String(format: "  %10d  %10d\n", cost.layers[i].parameters, cost.layers[i].flops)
        }
        let groups = (try? DependencyGroup.groups(of: architecture)) ?? []
        text += "\ndependency groups (channels structured pruning removes together):\n"
        for (k, group) in groups.enumerated() {
            let list = { (nodes: [Int]) in nodes.isEmpty ? "none" : nodes.map { names[$0] }.joined(separator: ", ") }
            text += "\(k + 1). \(group.units) channels" + (group.blocked.map { " — not prunable: \($0)" } ?? "") + "\n"
            text += "   producers: \(list(group.producers))\n   members: \(list(group.members))\n   consumers: \(list(group.consumers))\n"
        }
        return text
    }
}
