import Foundation
import GraphPruneIO

/// How to train: optimiser, learning-rate schedule, batches, epochs and the run's seed.
public struct TrainingSettings: Codable, Equatable, Sendable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case sgd, adam }

    public var epochs: Int
    public var batchSize: Int = 100
    public var optimizer: OptimizerKind = .sgd
    public var learningRate: Double = 0.01
    public var momentum: Double = 0.9
    public var nesterov: Bool = false
    public var weightDecay: Double = 0
    /// Epochs (0-based) at which the learning rate is multiplied by `gamma`.
    public var milestones: [Int] = []
    public var gamma: Double = 0.1
    /// Augment training batches as the CenSET code does (`Augmentation.censet`: rotation ±10°,
    /// shifts ±10 %, horizontal flips), drawn from the run's seed.
    public var augment: Bool = false
    public var seed: UInt64 = 0
    /// Positions (in `Network.layers`) of layers whose parameters are not trained (a frozen
    /// backbone in transfer learning), ascending. Their weights stay bit-identical, and a frozen
    /// BatchNorm also keeps its running statistics (it normalises with them).
    public var frozenLayers: [Int] = []

    public init(epochs: Int) { self.epochs = epochs }

    /// A fresh optimiser of the kind and hyperparameters these settings name.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .sgd: return SGD(momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(weightDecay))
        case .adam: return Adam(weightDecay: Float(weightDecay))
        }
    }

    /// The settings a caller can get wrong, named as the properties are; a command line or a
    /// study translates them into its own option names.
    public enum Setting: String, Sendable, CaseIterable {
        case epochs, batchSize, learningRate, momentum, nesterov, weightDecay, milestones, gamma, frozenLayers
    }

    /// The one check of these settings (the CLI and the studies call it too): `epochs ≥ 0` (0
    /// trains nothing: the initial weights, e.g. for rewinding), `batchSize ≥ 1`, a finite
    /// `learningRate > 0`, `momentum ∈ [0, 1)` (and > 0 for Nesterov SGD), a finite
    /// `weightDecay ≥ 0`, milestones ≥ 0, a finite `gamma > 0`, frozen layers inside the network
    /// of `layerCount` layers.
    /// - Throws: `TrainingError` whose `setting` names the property at fault.
    public func validate(layerCount: Int) throws {
        func fail(_ setting: Setting, _ problem: String) -> TrainingError { TrainingError(setting: setting, problem) }
        guard epochs >= 0 else { throw fail(.epochs, "epochs \(epochs) must be ≥ 0") }
        guard batchSize > 0 else { throw fail(.batchSize, "batch size \(batchSize) must be positive") }
        guard learningRate.isFinite && learningRate > 0 else { throw fail(.learningRate, "learning rate \(learningRate) must be finite and positive") }
        guard momentum >= 0 && momentum < 1 else { throw fail(.momentum, "momentum \(momentum) is outside [0, 1)") }
        guard !nesterov || optimizer != .sgd || momentum > 0 else { throw fail(.nesterov, "Nesterov momentum needs a positive momentum") }
        guard weightDecay.isFinite && weightDecay >= 0 else { throw fail(.weightDecay, "weight decay \(weightDecay) must be finite and ≥ 0") }
        if let bad = milestones.first(where: { $0 < 0 }) { throw fail(.milestones, "milestone \(bad) must be an epoch ≥ 0") }
        guard gamma.isFinite && gamma > 0 else { throw fail(.gamma, "gamma \(gamma) must be finite and positive") }
        for p in frozenLayers where p < 0 || p >= layerCount {
            throw fail(.frozenLayers, "frozen layer \(p) is outside the network's layers 0..<\(layerCount)")
        }
    }

    var schedule: LearningRateSchedule {
        milestones.isEmpty
            ? .constant(Float(learningRate))
            : .steps(initial: Float(learningRate), milestones: milestones, gamma: Float(gamma))
    }
}

/// What one epoch did (the per-epoch history of a run).
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    /// Accuracy on the training batches as they were trained (dropout on), as Keras reports it.
    public var trainAccuracy: Double
    public var testLoss: Double
    public var testAccuracy: Double
    /// Connections of the evaluated model (before any rewiring after the epoch).
    public var connections: Int
    public var seconds: Double
}

/// A bad training setting or a model and data that do not fit; the message names the setting,
/// and `setting` says which property it is (nil for a model/data mismatch).
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public let setting: TrainingSettings.Setting?
    public let description: String
    public init(setting: TrainingSettings.Setting? = nil, _ description: String) {
        self.setting = setting
        self.description = description
    }
}

/// Training that stopped because a step's loss was not finite (the weights blew up, usually a
/// learning rate too large): one line naming the epoch and batch.
public struct TrainingDivergedError: Error, CustomStringConvertible, Equatable {
    /// 1-based epoch and batch of the step whose loss was not finite.
    public let epoch: Int, batch: Int, batches: Int
    public let loss: Double

    /// What happened, as a study's failure record states it.
    public var reason: String {
        "training diverged: the loss is \(loss) at epoch \(epoch), batch \(batch) of \(batches) (a learning rate too large?)"
    }

    public var description: String { reason + "; nothing was saved" }
}

/// The training loop. Every random choice — initialisation (by the caller), shuffling, dropout —
/// comes from the run's seed, each from its own stream, so the same seed and the same BLAS
/// thread count give bit-identical weights and metrics. Procedures that change the model between
/// epochs (SET, CenSET) drive a `TrainingSession` themselves.
public enum Trainer {
    /// Trains `model` on `data.train`, evaluating on `data.test` after every epoch.
    /// `onBatch(epoch, batch, batches)` is called after each step (progress bars);
    /// `afterEpoch(model)` after each epoch's training and evaluation, to measure the trained
    /// model (it cannot change it); `onEpoch` after each epoch.
    /// - Throws: `TrainingError` for settings `TrainingSettings.validate` rejects or a model and
    ///   data that do not fit, before anything is trained.
    @discardableResult
    public static func fit(
        _ model: inout Network, data: DataSplit, settings: TrainingSettings,
        onBatch: (Int, Int, Int) -> Void = { _, _, _ in }, afterEpoch: (Network) throws -> Void = { _ in },
        onEpoch: (EpochRecord) -> Void = { _ in }
    ) throws -> [EpochRecord] {
        var session = try TrainingSession(for: model, data: data, settings: settings)
        var history = [EpochRecord]()
        for _ in 0..<settings.epochs {
            let record = try session.runEpoch(&model, onBatch: onBatch)
            try afterEpoch(model)
            history.append(record)
            onEpoch(record)
        }
        return history
    }
}
