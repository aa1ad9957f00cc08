import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneInterchange
import GraphPruneNetwork

/// `graphprune evaluate`: test accuracy and loss of a saved model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a saved model on a data set's test split (standardised with the training statistics, as in training).")

    @Option(help: "A model saved by `graphprune train --save`.")
    var model: String

    @OptionGroup var data: DatasetOptions

    @Option(help: "Seed of the synthetic data set (must match training).")
    var seed: UInt64 = 0

    func run() throws {
        var (network, _) = try ModelFile.load(URL(fileURLWithPath: model))
        let split = try data.load(seed: seed)
        guard network.architecture.inputSize == split.test.features.columns else {
            throw OptionError("--model", "\(model) expects \(network.architecture.inputSize) inputs but \(data.dataset.rawValue) has \(split.test.features.columns) features")
        }
        let result = network.evaluate(split.test)
        print(String(format: "test_accuracy=%.4f", result.accuracy))
        print(String(format: "test_loss=%.4f", result.loss))
    }
}
