import Foundation
import GraphPruneIO
import GraphPruneNumerics

/// The state of a training run between epochs: the optimiser and the seeded random streams
/// (batch order, dropout, augmentation). `Trainer.fit` is a loop of `runEpoch`; procedures that
/// change the model between epochs (SET and CenSET rewire sparse layers) run the epochs
/// themselves and tell the session what changed (`remapOptimizerState`, `resetOptimizer`).
///
/// The model is not stored in the session but passed to every epoch, so that such a procedure
/// mutates it in place between epochs without copying.
///
/// **Determinism.** The streams derive from `settings.seed` exactly as `Trainer.fit` always drew
/// them (batch order, dropout and augmentation seeds, in that order, from
/// `SplitMix64(seed ^ 0x7261_696E)`), so the same seed and the same BLAS thread count give
/// bit-identical weights and records, whether the epochs run back to back or with changes in
/// between that do not draw from these streams.
///
/// ```swift
/// var session = try TrainingSession(for: model, data: split, settings: settings)
/// for _ in 0..<settings.epochs {
///     var record = session.runEpoch(&model)
///     … change the model, then session.remapOptimizerState(…) …
/// }
/// ```
public struct TrainingSession: Sendable {
    public let data: DataSplit
    public let settings: TrainingSettings
    /// The optimiser, with its per-tensor state (indices = the model's parameter visiting order).
    public var optimizer: any Optimizer
    /// Epochs run so far (the next epoch's 0-based index).
    public private(set) var epochsCompleted = 0

    private let layerCount: Int
    private let frozen: Set<Int>
    private var batches: BatchIterator
    private var dropout: SplitMix64
    private var augmentation = Augmentation.censet
    private var augmentationStream: SplitMix64

    /// A session for training `model` (only its shape is read) on `data` with `settings`.
    /// Throws `TrainingError` for invalid settings or data that does not fit the model.
    public init(for model: Network, data: DataSplit, settings: TrainingSettings) throws {
        try settings.validate(layerCount: model.layers.count)
        guard data.train.features.columns == model.architecture.inputSize else {
            throw TrainingError("the data has \(data.train.features.columns) features but the model expects \(model.architecture.inputSize) inputs")
        }
        guard let outputs = model.architecture.sizes.last, outputs >= data.train.classCount else {
            throw TrainingError("the model has \(model.architecture.sizes.last ?? 0) outputs but the data has \(data.train.classCount) classes")
        }
        self.data = data
        self.settings = settings
        self.layerCount = model.layers.count
        self.frozen = Set(settings.frozenLayers)
        optimizer = settings.makeOptimizer()
        var streams = SplitMix64(seed: settings.seed ^ 0x7261_696E)  // "rain": training streams
        batches = BatchIterator(count: data.train.count, batchSize: settings.batchSize, seed: streams.next())
        dropout = SplitMix64(seed: streams.next())
        augmentationStream = SplitMix64(seed: streams.next())
    }

    /// Optimisation steps per epoch.
    public var stepsPerEpoch: Int { batches.batches }

    /// Trains `model` for one epoch (epoch `epochsCompleted`, at that epoch's learning rate),
    /// then evaluates it on `data.test`. `onBatch(epoch, batch, batches)` follows every step;
    /// `afterStep(step, samples, &model, &optimizer)` too, with the number of steps completed
    /// in all epochs and the step's training samples (indices into `data.train`), for
    /// procedures that change the model during an epoch (gradual pruning, RigL); it must keep
    /// every layer's input and output sizes and remap the optimiser state of what it rewires. `model` must be the network the session was made for (same layers), possibly
    /// rewired.
    /// - Throws: `TrainingDivergedError` as soon as a step's loss is not finite (the weights
    ///   have blown up: nothing after it would be a result).
    /// - Complexity: one pass over `data.train` (forward, backward, update) and one forward
    ///   pass over `data.test`.
    public mutating func runEpoch(
        _ model: inout Network, onBatch: (Int, Int, Int) -> Void = { _, _, _ in },
        afterStep: (_ step: Int, _ samples: ArraySlice<Int>, _ model: inout Network, _ optimizer: inout any Optimizer) -> Void = { _, _, _, _ in }
    ) throws(TrainingDivergedError) -> EpochRecord {
        precondition(model.layers.count == layerCount, "TrainingSession: the model has \(model.layers.count) layers, the session was made for \(layerCount)")
        // Frozen layers keep every state: a frozen BatchNorm also keeps its running statistics.
        if !frozen.isEmpty { model.freezeBatchNormStatistics(at: frozen) }
        let epoch = epochsCompleted
        let started = DispatchTime.now().uptimeNanoseconds
        let rate = settings.schedule.rate(epoch: epoch)
        // The batch closure captures locals only (no overlapping access to `self`).
        let train = data.train, shape = data.train.shape
        let augment = settings.augment
        var augmentation = augmentation, augmentationStream = augmentationStream
        self.augmentation = .censet  // so that the local copy owns the scratch (no copy on apply)
        defer { (self.augmentation, self.augmentationStream) = (augmentation, augmentationStream) }
        batches.startEpoch(epoch)
        var lossSum = 0.0, correct = 0
        for b in 0..<batches.batches {
            let indices = batches.range(of: b)
            let r = model.trainStep(
                batch: indices.count,
                fill: { features, labels in
                    train.gather(indices, into: &features, labels: &labels)
                    if augment { augmentation.apply(to: &features, shape: shape, generator: &augmentationStream) }
                },
                optimizer: &optimizer, learningRate: rate, generator: &dropout, frozenLayers: frozen)
            guard r.loss.isFinite else { throw TrainingDivergedError(epoch: epoch + 1, batch: b + 1, batches: batches.batches, loss: r.loss) }
            lossSum += r.loss * Double(indices.count)
            correct += r.correct
            afterStep(epoch * batches.batches + b + 1, indices, &model, &optimizer)
            onBatch(epoch, b, batches.batches)
        }
        let test = model.evaluate(data.test)
        epochsCompleted += 1
        return EpochRecord(
            epoch: epoch + 1, trainLoss: lossSum / Double(max(1, data.train.count)),
            trainAccuracy: Double(correct) / Double(max(1, data.train.count)),
            testLoss: test.loss, testAccuracy: test.accuracy, connections: model.connections,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }

    /// Replaces the optimiser by a fresh one (no momentum, moments or step count): what SET's
    /// and CenSET's reference code do every epoch by rebuilding model and optimiser.
    public mutating func resetOptimizer() {
        optimizer = settings.makeOptimizer()
    }

    /// Carries the optimiser state of parameter tensor `tensor` of the layer at `position` of
    /// `model` over a rewiring described by `map` (see `Optimizer.remapState`).
    public mutating func remapOptimizerState(of model: Network, layer position: Int, tensor: Int = 0, by map: PositionMap) {
        let indices = TrainingSession.parameterIndices(of: model, layer: position)
        precondition(tensor >= 0 && tensor < indices.count, "layer \(position) has \(indices.count) parameter tensors, not \(tensor + 1)")
        optimizer.remapState(index: indices.lowerBound + tensor, by: map)
    }

    /// The optimiser indices of the parameter tensors of the layer at `position` (the model's
    /// visiting order: layer by layer, each layer's tensors in its own order). O(layers).
    public static func parameterIndices(of model: Network, layer position: Int) -> Range<Int> {
        precondition(position >= 0 && position < model.layers.count, "layer \(position) is outside 0..<\(model.layers.count)")
        var start = 0, count = 0
        for i in 0...position {
            var layer = model.layers[i]
            var tensors = 0
            layer.visitParameters { _, _ in tensors += 1 }
            if i < position { start += tensors } else { count = tensors }
        }
        return start..<(start + count)
    }
}
