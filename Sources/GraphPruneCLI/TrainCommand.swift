import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneInterchange
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics
import GraphPrunePruning

/// `graphprune train`: trains a network and reports its test accuracy.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a multilayer perceptron on FashionMNIST, CIFAR-10 or a synthetic set.",
        discussion: """
            One line per epoch on stderr (loss, train and test accuracy, connections, seconds, ETA); \
            the last line of stdout is `test_accuracy=…`. Same seed and same thread count give \
            bit-identical weights and metrics.
            """)

    @OptionGroup var data: DatasetOptions

    @Option(help: "A built-in network (\(BuiltInArchitecture.allCases.map(\.rawValue).joined(separator: ", ")): BatchNorm, residual connections; adapted to the data's input shape and classes) or layers, e.g. 784-256-128-100-10 (an MLP from its input size) or c32-c32-p-c64-c64-p-128-10 (cN: 3×3 same convolution, cN/K: K×K, vN: valid, p: 2×2 max pool, gap: global average pooling, N: dense).")
    var arch: String

    @Option(help: "Activation after every convolution and hidden dense layer: relu | srelu.")
    var activation: Architecture.Activation = .relu

    @Option(help: "Make every hidden dense layer an Erdős–Rényi sparse layer of density ε(n_in + n_out)/(n_in·n_out), computed truly sparse (SET's ε, e.g. 20).")
    var sparseEpsilon: Double?

    @OptionGroup var training: TrainingOptions

    @Option(help: "Dropout rate after every hidden layer.")
    var dropout = 0.3

    @Option(help: "Weight initialiser: glorot-uniform (Keras default) | kaiming-normal (OpenLTH default).")
    var initializer: InitializerOption = .glorotUniform

    @OptionGroup var evolution: SparseEvolutionOptions

    @Option(help: "Save the trained model here (safetensors, written atomically).")
    var save: String?

    @Option(help: "Write the per-epoch history here (CSV, written atomically).")
    var log: String?

    enum InitializerOption: String, ExpressibleByArgument, CaseIterable {
        case glorotUniform = "glorot-uniform", kaimingNormal = "kaiming-normal"
        var value: Initializer { self == .glorotUniform ? .glorotUniform : .kaimingNormal }
    }

    func run() throws {
        let settings = try training.settings()
        let (epochs, seed, augment) = (settings.epochs, settings.seed, settings.augment)
        if let e = sparseEpsilon, !(e > 0) { throw OptionError("--sparse-epsilon", "\(e) must be positive") }
        let sparseEpsilon = sparseEpsilon ?? (evolution.sparse != nil ? 20 : nil)
        let rule = try evolution.evolution()
        try requireWritableDirectory(for: save, option: "--save")
        try requireWritableDirectory(for: log, option: "--log")
        let split = try data.load(seed: seed)
        let shape = split.train.shape
        if augment && (shape.height < 2 || shape.width < 2) {
            throw OptionError("--augment", "needs images; \(data.dataset.rawValue) samples are \(shape) vectors")
        }
        let architecture: Architecture
        do {
            architecture = try Architecture.parse(
                arch, inputShape: [shape.channels, shape.height, shape.width], activation: activation,
                dropout: dropout, sparseEpsilon: sparseEpsilon, classes: split.train.classCount)
        } catch let error as ArchitectureError {
            throw OptionError("--arch", error.description)
        }
        guard architecture.sizes.last! >= split.train.classCount else {
            throw OptionError("--arch", "ends with \(architecture.sizes.last!) outputs but \(data.dataset.rawValue) has \(split.train.classCount) classes")
        }

        var model = Network(architecture: architecture, initializer: initializer.value, seed: seed)
        report("train: \(architecture.summary) on \(data.dataset.rawValue) (\(split.train.count) train, \(split.test.count) test), \(model.parameterCount) parameters, BLAS threads \(BLASThreads.count)")
        let progress = ProgressLine(total: epochs, batchSize: settings.batchSize)
        let onBatch = { (epoch: Int, batch: Int, batches: Int) in progress.batch(epoch: epoch, batch: batch, of: batches) }
        let history: [RewiredEpochRecord]
        if let rule {
            history = try SparseEvolution.train(&model, data: split, settings: settings, evolution: rule, onBatch: onBatch, onEpoch: { progress.epoch($0.training) })
        } else {
            history = try Trainer.fit(&model, data: split, settings: settings, onBatch: onBatch, onEpoch: { progress.epoch($0) })
                .map { RewiredEpochRecord($0) }
        }

        if let save {
            try ModelFile.save(model, to: URL(fileURLWithPath: save), metadata: [
                "dataset": data.dataset.rawValue, InputPreprocessing.metadataKey: InputPreprocessing.standardization.metadataValue,
                "seed": String(seed), "epochs": String(epochs),
            ])
        }
        if let log {
            let extra = ["removed", "regrown", "lc_mean", "lc_std", "rewiring_seconds"]
            var csv = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,connections,seconds,\(extra.joined(separator: ","))\n"
            for r in history {
                let rewiring = extra.map { r.value(of: $0).map(fullPrecision) ?? "" }.joined(separator: ",")
                csv += "\(r.epoch),\(fullPrecision(r.trainLoss)),\(fullPrecision(r.trainAccuracy)),\(fullPrecision(r.testLoss)),\(fullPrecision(r.testAccuracy)),\(r.connections),\(fullPrecision(r.seconds)),\(rewiring)\n"
            }
            try OutputDestination(path: log).write(csv)
        }
        // With --epochs 0 nothing was trained: the initial model's accuracy.
        let accuracy = history.last?.testAccuracy ?? model.evaluate(split.test).accuracy
        print(String(format: "test_accuracy=%.4f", accuracy))
    }
}
