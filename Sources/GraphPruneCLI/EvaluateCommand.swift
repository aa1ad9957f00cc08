import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneInterchange
import GraphPruneNetwork

/// `graphprune evaluate`: test accuracy and loss of a saved model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a model on a data set's test split, prepared as the model records (graphprune's own: standardised with the training statistics, as in training) or as --input-mean/--input-std say.")

    @Option(help: "A model: a graphprune checkpoint (.safetensors) or an ONNX model (.onnx).")
    var model: String

    @OptionGroup var data: DatasetOptions

    @OptionGroup var preprocessing: PreprocessingOptions

    @Option(help: "Seed of the synthetic data set (must match training).")
    var seed: UInt64 = 0

    func run() throws {
        var (network, metadata) = try ModelFile.load(URL(fileURLWithPath: model))
        let split = try data.load(seed: seed, preprocessing: try preprocessing.resolve(model: model, metadata: &metadata))
        guard network.architecture.inputSize == split.test.features.columns else {
            throw OptionError("--model", "\(model) expects \(network.architecture.inputSize) inputs but \(data.dataset.rawValue) has \(split.test.features.columns) features")
        }
        let result = network.evaluate(split.test)
        print(String(format: "test_accuracy=%.4f", result.accuracy))
        print(String(format: "test_loss=%.4f", result.loss))
    }
}
