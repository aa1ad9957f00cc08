import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneInterchange
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// `graphprune finetune`: further training of a saved (e.g. pruned) model, optionally on a
/// class subset with few examples per class and a new head (the transfer protocol).
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a saved model (after pruning, or on a new task: --classes, --shots).",
        discussion: """
            With --classes the task is those classes (relabelled 0… in the order given; the test \
            split is restricted alike). When the model's output count differs from the number of \
            classes, its head (the last Dense layer) is replaced by a fresh one drawn from --seed. \
            The last line of stdout is `test_accuracy=…`.
            """)

    @Option(help: "A model saved by `graphprune train --save` or `graphprune prune`, or an ONNX model (.onnx).")
    var model: String

    @OptionGroup var data: DatasetOptions

    @OptionGroup var preprocessing: PreprocessingOptions

    @Option(help: "The task's classes: a range like 5-9 or a list like 5,7,9 (default: all).")
    var classes: String?

    @Option(help: "Training examples per class, drawn with --seed (default: all).")
    var shots: Int?

    @Option(help: "Freeze every layer before this one (a node name, e.g. layers.6 or linear): a frozen backbone.")
    var freezeBefore: String?

    @Flag(help: "Frozen BatchNorm: normalise with the running statistics in training too and keep them (γ and β still train).")
    var freezeBatchnorm = false

    @OptionGroup var training: TrainingOptions

    @Option(help: "Save the fine-tuned model here, written atomically: a graphprune checkpoint (.safetensors) or ONNX (.onnx).")
    var save: String?

    func run() throws {
        var settings = try training.settings()
        try requireWritableDirectory(for: save, option: "--save")
        var (network, metadata) = try ModelFile.load(URL(fileURLWithPath: model))
        var split = try data.load(seed: settings.seed, preprocessing: try preprocessing.resolve(model: model, metadata: &metadata))
        guard network.architecture.inputSize == split.train.features.columns else {
            throw OptionError("--model", "\(model) expects \(network.architecture.inputSize) inputs but \(data.dataset.rawValue) has \(split.train.features.columns) features")
        }
        if let classes {
            let list = try Self.parseClasses(classes, count: split.train.classCount)
            split = DataSplit(train: split.train.restricted(toClasses: list), test: split.test.restricted(toClasses: list))
        }
        if let shots {
            guard shots >= 1 else { throw OptionError("--shots", "\(shots) must be at least 1") }
            split.train = split.train.fewShot(perClass: shots, seed: settings.seed)
        }
        if network.architecture.sizes.last! != split.train.classCount {
            network = try ModelSurgery.replacingHead(of: network, classes: split.train.classCount, initializer: .glorotUniform, seed: settings.seed)
            report("finetune: new head for \(split.train.classCount) classes")
        }
        if let freezeBefore {
            guard let position = network.architecture.names.firstIndex(of: freezeBefore), network.layers[position].connections != nil
            else { throw OptionError("--freeze-before", "'\(freezeBefore)' is not a layer with weights of \(model)") }
            settings.frozenLayers = Array(0..<position)
        }
        if freezeBatchnorm { network.freezeBatchNormStatistics() }
        report("finetune: \(network.architecture.summary), \(network.parameterCount) parameters, \(split.train.count) training samples, \(split.test.count) test")
        let progress = ProgressLine(total: settings.epochs, batchSize: settings.batchSize)
        let history = try Trainer.fit(
            &network, data: split, settings: settings,
            onBatch: { progress.batch(epoch: $0, batch: $1, of: $2) }, onEpoch: { progress.epoch($0) })
        if let save {
            metadata["finetune"] = "epochs \(settings.epochs), seed \(settings.seed)" + (classes.map { ", classes \($0)" } ?? "") + (shots.map { ", shots \($0)" } ?? "")
            try ModelFile.save(network, to: URL(fileURLWithPath: save), metadata: metadata)
        }
        let accuracy = history.last?.testAccuracy ?? network.evaluate(split.test).accuracy
        print(String(format: "test_accuracy=%.4f", accuracy))
    }

    /// `5-9` or `5,7,9`: distinct classes of the data set.
    static func parseClasses(_ text: String, count: Int) throws -> [Int] {
        let parts = text.split(separator: "-")
        var list: [Int]
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b {
            list = Array(a...b)
        } else {
            list = try text.split(separator: ",").map { token in
                guard let c = Int(token.trimmingCharacters(in: .whitespaces)) else { throw OptionError("--classes", "'\(text)' is not a range like 5-9 or a list like 5,7,9") }
                return c
            }
        }
        guard !list.isEmpty else { throw OptionError("--classes", "no classes given") }
        for c in list where c < 0 || c >= count { throw OptionError("--classes", "class \(c) is outside 0…\(count - 1)") }
        guard Set(list).count == list.count else { throw OptionError("--classes", "'\(text)' repeats a class") }
        return list
    }
}
