import Foundation

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

    public init(epochs: Int) { self.epochs = epochs }

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
    public var connections: Int
    public var seconds: Double
}

/// The training loop. Every random choice — initialisation (by the caller), shuffling, dropout —
/// comes from the run's seed, each from its own stream, so the same seed and the same BLAS
/// thread count give bit-identical weights and metrics.
public enum Trainer {
    /// Trains `model` on `data.train`, evaluating on `data.test` after every epoch.
    /// `onBatch(epoch, batch, batches)` is called after each step (progress bars);
    /// `onEpoch` after each epoch.
    @discardableResult
    public static func fit(
        _ model: inout Sequential, data: DataSplit, settings: TrainingSettings,
        onBatch: (Int, Int, Int) -> Void = { _, _, _ in }, onEpoch: (EpochRecord) -> Void = { _ in }
    ) -> [EpochRecord] {
        switch settings.optimizer {
        case .sgd:
            var sgd = SGD(momentum: Float(settings.momentum), nesterov: settings.nesterov, weightDecay: Float(settings.weightDecay))
            return run(&model, data: data, settings: settings, optimizer: &sgd, onBatch: onBatch, onEpoch: onEpoch)
        case .adam:
            var adam = Adam(weightDecay: Float(settings.weightDecay))
            return run(&model, data: data, settings: settings, optimizer: &adam, onBatch: onBatch, onEpoch: onEpoch)
        }
    }

    private static func run(
        _ model: inout Sequential, data: DataSplit, settings: TrainingSettings, optimizer: inout some Optimizer,
        onBatch: (Int, Int, Int) -> Void, onEpoch: (EpochRecord) -> Void
    ) -> [EpochRecord] {
        var streams = SplitMix64(seed: settings.seed ^ 0x7261_696E)  // "rain": training streams
        var batches = BatchIterator(count: data.train.count, batchSize: settings.batchSize, seed: streams.next())
        var dropout = SplitMix64(seed: streams.next())
        var augmentation = Augmentation.censet
        var augmentationStream = SplitMix64(seed: streams.next())
        let shape = data.train.shape
        var history = [EpochRecord]()
        for epoch in 0..<settings.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            let rate = settings.schedule.rate(epoch: epoch)
            batches.startEpoch(epoch)
            var lossSum = 0.0, correct = 0
            for b in 0..<batches.batches {
                let indices = batches.range(of: b)
                let r = model.trainStep(
                    batch: indices.count,
                    fill: { features, labels in
                        data.train.gather(indices, into: &features, labels: &labels)
                        if settings.augment { augmentation.apply(to: &features, shape: shape, generator: &augmentationStream) }
                    },
                    optimizer: &optimizer, learningRate: rate, generator: &dropout)
                lossSum += r.loss * Double(indices.count)
                correct += r.correct
                onBatch(epoch, b, batches.batches)
            }
            let test = model.evaluate(data.test)
            let record = EpochRecord(
                epoch: epoch + 1, trainLoss: lossSum / Double(max(1, data.train.count)),
                trainAccuracy: Double(correct) / Double(max(1, data.train.count)),
                testLoss: test.loss, testAccuracy: test.accuracy, connections: model.connections,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            history.append(record)
            onEpoch(record)
        }
        return history
    }
}
