import ArgumentParser
import Foundation
import GraphPrune

/// Which data a training or evaluation run uses, and how it is prepared.
struct DatasetOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case fashionMNIST = "fashion-mnist", cifar10, synthetic
    }

    @Option(help: "fashion-mnist | cifar10 | synthetic (a seeded Gaussian-cluster set for quick checks).")
    var dataset: Kind

    @Option(help: "Directory of the data set files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).")
    var dataDir: String?

    /// The split, standardised per feature with the training set's mean and std (as the CenSET
    /// code does); the synthetic set is drawn from `seed`.
    func load(seed: UInt64) throws -> DataSplit {
        var split: DataSplit
        switch dataset {
        case .fashionMNIST:
            split = try FashionMNIST.load(directory: dataDir.map { URL(fileURLWithPath: $0) } ?? FashionMNIST.defaultDirectory)
        case .cifar10:
            guard let dataDir else { throw OptionError("--data-dir", "cifar10 needs the directory holding data_batch_1.bin … test_batch.bin") }
            split = try CIFAR10.load(directory: URL(fileURLWithPath: dataDir))
        case .synthetic:
            split = SyntheticClassification.make(seed: seed)
        }
        let standardization = Standardization(fitting: split.train)
        standardization.apply(to: &split.train)
        standardization.apply(to: &split.test)
        return split
    }
}

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

    @Option(help: "Layers, e.g. 784-256-128-100-10 (an MLP from its input size) or c32-c32-p-c64-c64-p-128-10 (cN: 3×3 same convolution, cN/K: K×K, vN: valid, p: 2×2 max pool, gap: global average pooling, N: dense).")
    var arch: String

    @Option(help: "Activation after every convolution and hidden dense layer: relu | srelu.")
    var activation: Architecture.Activation = .relu

    @Option(help: "Make every hidden dense layer an Erdős–Rényi sparse layer of density ε(n_in + n_out)/(n_in·n_out), computed truly sparse (SET's ε, e.g. 20).")
    var sparseEpsilon: Double?

    @Flag(help: "Augment training batches as the CenSET code does (rotation ±10°, shifts ±10 %, horizontal flips).")
    var augment = false

    @Option(help: "Epochs.")
    var epochs: Int

    @Option(help: "Batch size.")
    var batch = 100

    @Option(help: "sgd | adam")
    var optimizer: TrainingSettings.OptimizerKind = .sgd

    @Option(help: "Learning rate.")
    var lr = 0.01

    @Option(help: "SGD momentum.")
    var momentum = 0.9

    @Flag(help: "Nesterov momentum.")
    var nesterov = false

    @Option(help: "Weight decay (L2, added to the gradient).")
    var weightDecay = 0.0

    @Option(help: "Epochs at which the learning rate is multiplied by --gamma, comma-separated (e.g. 80,120).")
    var milestones: String?

    @Option(help: "Learning-rate factor at each milestone.")
    var gamma = 0.1

    @Option(help: "Dropout rate after every hidden layer.")
    var dropout = 0.3

    @Option(help: "Weight initialiser: glorot-uniform (Keras default) | kaiming-normal (OpenLTH default).")
    var initializer: InitializerOption = .glorotUniform

    @Option(help: "Seed of every random choice (initialisation, shuffling, dropout).")
    var seed: UInt64 = 0

    @Option(help: "Save the trained model here (safetensors, written atomically).")
    var save: String?

    @Option(help: "Write the per-epoch history here (CSV, written atomically).")
    var log: String?

    enum InitializerOption: String, ExpressibleByArgument, CaseIterable {
        case glorotUniform = "glorot-uniform", kaimingNormal = "kaiming-normal"
        var value: Initializer { self == .glorotUniform ? .glorotUniform : .kaimingNormal }
    }

    func run() throws {
        guard epochs >= 1 else { throw OptionError("--epochs", "\(epochs) must be at least 1") }
        guard batch >= 1 else { throw OptionError("--batch", "\(batch) must be at least 1") }
        guard lr > 0, lr.isFinite else { throw OptionError("--lr", "\(lr) must be positive") }
        guard momentum >= 0 && momentum < 1 else { throw OptionError("--momentum", "\(momentum) is outside [0, 1)") }
        guard weightDecay >= 0 else { throw OptionError("--weight-decay", "\(weightDecay) must not be negative") }
        guard dropout >= 0 && dropout < 1 else { throw OptionError("--dropout", "\(dropout) is outside [0, 1)") }
        let milestoneEpochs = try (milestones ?? "").split(separator: ",").map { text -> Int in
            guard let m = Int(text.trimmingCharacters(in: .whitespaces)), m >= 0 else {
                throw OptionError("--milestones", "'\(text)' is not an epoch number")
            }
            return m
        }
        if let e = sparseEpsilon, !(e > 0) { throw OptionError("--sparse-epsilon", "\(e) must be positive") }
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
                dropout: dropout, sparseEpsilon: sparseEpsilon)
        } catch let error as ArchitectureError {
            throw OptionError("--arch", error.description)
        }
        guard architecture.sizes.last! >= split.train.classCount else {
            throw OptionError("--arch", "ends with \(architecture.sizes.last!) outputs but \(data.dataset.rawValue) has \(split.train.classCount) classes")
        }

        var settings = TrainingSettings(epochs: epochs)
        settings.batchSize = batch
        settings.optimizer = optimizer
        settings.learningRate = lr
        settings.momentum = momentum
        settings.nesterov = nesterov
        settings.weightDecay = weightDecay
        settings.milestones = milestoneEpochs
        settings.gamma = gamma
        settings.augment = augment
        settings.seed = seed

        var model = Sequential(architecture: architecture, initializer: initializer.value, seed: seed)
        report("train: \(architecture.summary) on \(data.dataset.rawValue) (\(split.train.count) train, \(split.test.count) test), \(model.parameterCount) parameters, BLAS threads \(BLASThreads.count)")
        let progress = ProgressLine(total: epochs)
        let history = Trainer.fit(
            &model, data: split, settings: settings,
            onBatch: { epoch, batch, batches in progress.batch(epoch: epoch, batch: batch, of: batches) },
            onEpoch: { progress.epoch($0) })

        if let save {
            try ModelCheckpoint.save(model, to: URL(fileURLWithPath: save), metadata: [
                "dataset": data.dataset.rawValue, "preprocessing": "standardize(train mean, train std)",
                "seed": String(seed), "epochs": String(epochs),
            ])
        }
        if let log {
            var csv = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,connections,seconds\n"
            for r in history {
                csv += "\(r.epoch),\(fullPrecision(r.trainLoss)),\(fullPrecision(r.trainAccuracy)),\(fullPrecision(r.testLoss)),\(fullPrecision(r.testAccuracy)),\(r.connections),\(fullPrecision(r.seconds))\n"
            }
            try OutputDestination(path: log).write(csv)
        }
        print(String(format: "test_accuracy=%.4f", history.last!.testAccuracy))
    }
}

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
        var (network, _) = try ModelCheckpoint.load(URL(fileURLWithPath: model))
        let split = try data.load(seed: seed)
        guard network.architecture.inputSize == split.test.features.columns else {
            throw OptionError("--model", "\(model) expects \(network.architecture.inputSize) inputs but \(data.dataset.rawValue) has \(split.test.features.columns) features")
        }
        let result = network.evaluate(split.test)
        print(String(format: "test_accuracy=%.4f", result.accuracy))
        print(String(format: "test_loss=%.4f", result.loss))
    }
}

/// Per-epoch lines on stderr, and a batch progress bar when stderr is a terminal.
final class ProgressLine {
    private let total: Int
    private let started = Date()
    private let isTerminal = isatty(2) != 0

    init(total: Int) { self.total = total }

    func batch(epoch: Int, batch: Int, of batches: Int) {
        guard isTerminal, batch % max(1, batches / 50) == 0 || batch == batches - 1 else { return }
        let width = 30, filled = width * (batch + 1) / batches
        FileHandle.standardError.write(Data("\repoch \(epoch + 1)/\(total) [\(String(repeating: "=", count: filled))\(String(repeating: " ", count: width - filled))] \(batch + 1)/\(batches)".utf8))
    }

    func epoch(_ r: EpochRecord) {
        let elapsed = Date().timeIntervalSince(started)
        let eta = elapsed / Double(r.epoch) * Double(total - r.epoch)
        let line = String(
            format: "epoch %d/%d  loss %.4f  train_acc %.4f  test_acc %.4f  connections %d  %.2f s  ETA %.0f s",
            r.epoch, total, r.trainLoss, r.trainAccuracy, r.testAccuracy, r.connections, r.seconds, eta)
        report((isTerminal ? "\r\u{1B}[K" : "") + line)
    }
}

extension TrainingSettings.OptimizerKind: ExpressibleByArgument {}
extension Architecture.Activation: ExpressibleByArgument {}
