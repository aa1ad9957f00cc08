import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// Which data a training or evaluation run uses, and how it is prepared.
struct DatasetOptions: ParsableArguments {
    @Option(help: "fashion-mnist | cifar10 | synthetic (a seeded Gaussian-cluster set for quick checks) | npy (your own: train_x.npy, train_y.npy, test_x.npy, test_y.npy in --data-dir; samples N × C × H × W or N × F as float32, labels 0…K−1).")
    var dataset: Dataset

    @Option(help: "Directory of the data set files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).")
    var dataDir: String?

    @Option(help: "Use only the first N training samples (0 = all), taken before the inputs are standardised; the test split stays whole (a study's train-samples).")
    var trainSamples: Int = 0

    /// The split, prepared as `preprocessing` says (by default standardised per feature with the
    /// training set's mean and std, as the CenSET code does); the synthetic set is drawn from
    /// `seed`.
    func load(seed: UInt64, preprocessing: InputPreprocessing = .standardization) throws -> DataSplit {
        if dataset == .cifar10 && dataDir == nil {
            throw OptionError("--data-dir", "cifar10 needs the directory holding data_batch_1.bin … test_batch.bin")
        }
        guard trainSamples >= 0 else { throw OptionError("--train-samples", "\(trainSamples) must be 0 (all) or a positive count") }
        do {
            return try dataset.load(directory: dataDir, seed: seed, trainSamples: trainSamples, preprocessing: preprocessing)
        } catch let error as InputPreprocessingError {
            throw OptionError("--input-mean/--input-std", "\(error) of \(dataset.rawValue)")
        }
    }
}

/// Options of a training run shared by `train` and `finetune`.
struct TrainingOptions: ParsableArguments {
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

    @Flag(help: "Augment training batches as the CenSET code does (rotation ±10°, shifts ±10 %, horizontal flips).")
    var augment = false

    @Option(help: "Seed of every random choice (initialisation, shuffling, dropout).")
    var seed: UInt64 = 0

    /// The option naming each training setting in error messages.
    static func option(for setting: TrainingSettings.Setting) -> String {
        switch setting {
        case .epochs: "--epochs"
        case .batchSize: "--batch"
        case .learningRate: "--lr"
        case .momentum: "--momentum"
        case .nesterov: "--nesterov"
        case .weightDecay: "--weight-decay"
        case .milestones: "--milestones"
        case .gamma: "--gamma"
        case .frozenLayers: "--freeze-before"
        }
    }

    /// Checks the options when they are parsed, by the library's one validator
    /// (`TrainingSettings.validate`); the message names the option.
    func validate() throws {
        _ = try settings()
    }

    /// The settings, checked by `TrainingSettings.validate`; the message names the option.
    func settings() throws -> TrainingSettings {
        let milestoneEpochs = try (milestones ?? "").split(separator: ",").map { text -> Int in
            guard let m = Int(text.trimmingCharacters(in: .whitespaces)), m >= 0 else {
                throw OptionError("--milestones", "'\(text)' is not an epoch number")
            }
            return m
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
        do {
            try settings.validate(layerCount: Int.max)
        } catch let error as TrainingError {
            throw OptionError(error.setting.map(Self.option(for:)) ?? "training", error.description)
        }
        return settings
    }
}

/// Per-epoch lines on stderr, and a batch progress bar when stderr is a terminal.
/// Progress on stderr: within an epoch, a bar with samples per second and the epoch's ETA on a
/// terminal, or a plain line at most every 30 s otherwise (a CNN epoch takes minutes); after
/// each epoch, one line with its metrics and the run's ETA.
final class ProgressLine {
    private let total: Int
    private let batchSize: Int
    private let started = Date()
    /// When the current epoch's first batch started: the run's start, then each epoch's end.
    private var epochStarted = Date()
    private var lastPlainLine = Date()
    private let isTerminal = isatty(2) != 0

    init(total: Int, batchSize: Int) {
        self.total = total
        self.batchSize = batchSize
    }

    func batch(epoch: Int, batch: Int, of batches: Int) {
        let now = Date()
        if batch == 0 { lastPlainLine = now }
        let elapsed = now.timeIntervalSince(epochStarted)
        let rate = Double((batch + 1) * batchSize) / max(elapsed, 1e-9)
        let eta = elapsed / Double(batch + 1) * Double(batches - batch - 1)
        let status = String(format: "%d/%d batches, %.0f samples/s, epoch ETA %.0f s", batch + 1, batches, rate, eta)
        if isTerminal {
            guard batch % max(1, batches / 50) == 0 || batch == batches - 1 else { return }
            let width = 30, filled = width * (batch + 1) / batches
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[Kepoch \(epoch + 1)/\(total) [\(bar)] \(status)".utf8))
        } else if now.timeIntervalSince(lastPlainLine) >= 30 && batch < batches - 1 {
            lastPlainLine = now
            report("epoch \(epoch + 1)/\(total): \(status)")
        }
    }

    func epoch(_ r: EpochRecord) {
        epochStarted = Date()  // the next epoch's batches start now (after this evaluation)
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

/// `train --sparse set|censet`: sparse evolutionary training (paper 003).
struct SparseEvolutionOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case set, censet }
    enum Centrality: String, ExpressibleByArgument, CaseIterable { case correct, networkitLegacy = "networkit-legacy" }
    enum Weights: String, ExpressibleByArgument, CaseIterable { case absolute, signed }
    enum Regrowth: String, ExpressibleByArgument, CaseIterable { case zero, random }

    @Option(help: "Sparse evolutionary training: set (magnitude rewiring) | censet (Laplacian-centrality rewiring). Hidden layers become Erdős–Rényi sparse (--sparse-epsilon, default 20); the output layer stays dense.")
    var sparse: Kind?

    @Option(help: "SET: fraction of the positive and of the negative weights removed (then regrown) after every epoch (CenBench 0.05, SET reference 0.3).")
    var zeta = 0.05

    @Option(help: "CenSET: remove every connection of neurons with Laplacian centrality < mean − k·std.")
    var censetK = 2.7

    @Option(help: "CenSET centrality: correct (undirected, Qi et al. 2012) | networkit-legacy (the CenSET code's NetworKit ≤ 11.2: directed, truncated out-degrees).")
    var centrality: Centrality = .correct

    @Option(help: "CenSET graph weights: absolute |w| | signed (the CenSET code).")
    var censetWeights: Weights = .absolute

    @Flag(help: "CenSET: include the output layer in the graph (the CenSET code leaves it out).")
    var censetOutputLayer = false

    @Option(help: "Weights of regrown connections: zero (the Keras code) | random (N(0, 0.1²), the SET reference's sparse version).")
    var regrow: Regrowth = .zero

    @Flag(help: "Restart the optimiser after every rewiring, as the reference code does (default: survivors keep their momentum).")
    var resetMomentum = false

    /// The evolution asked for, or nil without `--sparse`.
    func evolution() throws -> SparseEvolution? {
        guard let sparse else { return nil }
        guard zeta >= 0 && zeta < 1 else { throw OptionError("--zeta", "\(zeta) is outside [0, 1)") }
        guard censetK.isFinite && censetK >= 0 else { throw OptionError("--censet-k", "\(censetK) must be a non-negative number") }
        // The same vocabulary as a study's settings, so the CLI and the study runner build the
        // evolution in one place.
        let settings = RunSettings(given: [
            "procedure": .word(sparse.rawValue), "zeta": .number(zeta), "censet-k": .number(censetK),
            "centrality": .word(centrality.rawValue), "censet-weights": .word(censetWeights.rawValue),
            "censet-output-layer": .flag(censetOutputLayer), "regrow": .word(regrow.rawValue),
            "reset-momentum": .flag(resetMomentum),
        ], seed: 0)
        return SparseEvolution(settings: settings)
    }
}
