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
    /// Positions (in `Sequential.layers`) of layers whose parameters are not trained (a frozen
    /// backbone in transfer learning), ascending. Their weights stay bit-identical.
    public var frozenLayers: [Int] = []

    public init(epochs: Int) { self.epochs = epochs }

    /// A fresh optimiser of the kind and hyperparameters these settings name.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .sgd: return SGD(momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(weightDecay))
        case .adam: return Adam(weightDecay: Float(weightDecay))
        }
    }

    /// Throws `TrainingError` naming the setting when these settings cannot train a network of
    /// `layerCount` layers.
    public func validate(layerCount: Int) throws {
        guard epochs >= 0 else { throw TrainingError("epochs \(epochs) must be ≥ 0") }
        guard batchSize > 0 else { throw TrainingError("batch size \(batchSize) must be positive") }
        guard learningRate.isFinite && learningRate >= 0 else { throw TrainingError("learning rate \(learningRate) must be finite and ≥ 0") }
        guard momentum.isFinite && momentum >= 0 else { throw TrainingError("momentum \(momentum) must be finite and ≥ 0") }
        guard !nesterov || optimizer != .sgd || momentum > 0 else { throw TrainingError("Nesterov momentum needs a positive momentum") }
        guard weightDecay.isFinite else { throw TrainingError("weight decay \(weightDecay) must be finite") }
        for p in frozenLayers where p < 0 || p >= layerCount {
            throw TrainingError("frozen layer \(p) is outside the network's layers 0..<\(layerCount)")
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

/// A bad training setting; the message names it.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The training loop. Every random choice — initialisation (by the caller), shuffling, dropout —
/// comes from the run's seed, each from its own stream, so the same seed and the same BLAS
/// thread count give bit-identical weights and metrics. Procedures that change the model between
/// epochs (SET, CenSET) drive a `TrainingSession` themselves.
public enum Trainer {
    /// Trains `model` on `data.train`, evaluating on `data.test` after every epoch.
    /// `onBatch(epoch, batch, batches)` is called after each step (progress bars);
    /// `onEpoch` after each epoch. Settings that `TrainingSettings.validate` rejects trap.
    @discardableResult
    public static func fit(
        _ model: inout Sequential, data: DataSplit, settings: TrainingSettings,
        onBatch: (Int, Int, Int) -> Void = { _, _, _ in }, onEpoch: (EpochRecord) -> Void = { _ in }
    ) -> [EpochRecord] {
        var session: TrainingSession
        do {
            session = try TrainingSession(for: model, data: data, settings: settings)
        } catch {
            preconditionFailure("Trainer.fit: \(error)")
        }
        var history = [EpochRecord]()
        for _ in 0..<settings.epochs {
            let record = session.runEpoch(&model, onBatch: onBatch)
            history.append(record)
            onEpoch(record)
        }
        return history
    }
}
