import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// Iterative magnitude pruning with rewinding — the lottery-ticket procedure (Frankle & Carbin
/// 2019; late rewinding, Frankle et al. 2020), as OpenLTH's `lottery` runs it:
///
/// 1. initialise `M₀`, train `rewindEpochs` epochs (the rewind point `R`; 0 = the
///    initialisation), train on to `epochs` (level 0, dense);
/// 2. level `j ≥ 1`: remove the fraction `p` of the weights that remain, by one global magnitude
///    threshold over the pruned layers (`sparse_global`), apply the masks to `R`'s weights, and
///    train `epochs − rewindEpochs` epochs.
///
/// After `L` levels each pruned layer set keeps `round(m·(1 − p))` of the previous level's
/// weights, `≈ m·(1 − p)^L` in all. The controls of every level, OpenLTH's branches:
/// `reinitialized` trains the level's masks on a fresh initialisation (another seed);
/// `randomMask` trains `R` under random masks with the level's per-layer counts.
///
/// Each level's retraining uses the same data order (training seed), as OpenLTH does.
public struct IterativeMagnitudePruning: Sendable, Equatable {
    public enum Control: String, Sendable, CaseIterable, Codable {
        case none
        case reinitialized = "reinit"
        case randomMask = "random-mask"
    }

    /// `p`: the fraction of the remaining weights each level removes.
    public var pruningFraction: Double
    /// Epochs of training before the rewind point is taken (0 = rewind to the initialisation).
    public var rewindEpochs: Int
    /// Leave the output layer dense (OpenLTH's `pruning_layers_to_ignore`).
    public var keepOutputDense: Bool

    public init(pruningFraction: Double = 0.2, rewindEpochs: Int = 0, keepOutputDense: Bool = false) {
        (self.pruningFraction, self.rewindEpochs, self.keepOutputDense) = (pruningFraction, rewindEpochs, keepOutputDense)
    }

    /// One level of the main line.
    public struct Level: Sendable {
        /// The trained model of the level (level 0: dense).
        public var trained: Network
        /// Its training history.
        public var history: [EpochRecord]
        /// The level's pruning (nil at level 0): per layer kept and candidate weights, λ₂.
        public var pruning: EdgePruningResult?

        /// Weights the pruned layers keep, or nil at level 0 (all of them).
        public var keptWeights: Int? { pruning.map { $0.layers.map(\.kept).reduce(0, +) } }

        /// Kept over all weights of the pruned layers: 1 at level 0.
        public var density: Double {
            guard let pruning, let kept = keptWeights else { return 1 }
            return Double(kept) / Double(pruning.layers.map { $0.mask.elements.count }.reduce(0, +))
        }
    }

    /// All weights of the layers the line prunes (every prunable layer, the output layer too
    /// unless `keepOutputDense`).
    public func prunedWeightCount(of model: Network) throws -> Int {
        try EdgePruning(method: .global, density: 1, keepOutputDense: keepOutputDense, rewind: false)
            .prunedPositions(of: model).map { model.layers[$0].connections!.weight.elements.count }.reduce(0, +)
    }

    /// The rewind point and level 0, from `initial`, trained with `settings` (`epochs` in all).
    public func start(_ initial: Network, data: DataSplit, settings: TrainingSettings) throws -> (rewind: Network, level: Level) {
        guard pruningFraction > 0 && pruningFraction < 1 else {
            throw EdgePruningError.invalidOption("imp: pruning fraction \(pruningFraction) is outside (0, 1)")
        }
        guard rewindEpochs >= 0 && rewindEpochs <= settings.epochs else {
            throw EdgePruningError.invalidOption("imp: rewind epoch \(rewindEpochs) is outside 0…\(settings.epochs)")
        }
        var model = initial
        var session = try TrainingSession(for: model, data: data, settings: settings)
        var history = [EpochRecord]()
        for _ in 0..<rewindEpochs { history.append(try session.runEpoch(&model)) }
        let rewind = model
        for _ in rewindEpochs..<settings.epochs { history.append(try session.runEpoch(&model)) }
        return (rewind, Level(trained: model, history: history, pruning: nil))
    }

    /// The next level after `previous`: prune its trained model, rewind to `rewind`, retrain
    /// `retraining` (its epochs: `epochs − rewindEpochs`).
    public func next(after previous: Level, rewind: Network, data: DataSplit, retraining: TrainingSettings) throws -> Level {
        let pruning = try prune(previous.trained)
        var model = try Self.applying(pruning, to: rewind)
        let history = try Trainer.fit(&model, data: data, settings: retraining)
        return Level(trained: model, history: history, pruning: pruning)
    }

    /// `model`'s weights removed to `1 − p` of those that remain, by one global magnitude
    /// threshold over the pruned layers.
    public func prune(_ model: Network) throws -> EdgePruningResult {
        try EdgePruning(method: .global, density: 1 - pruningFraction, keepOutputDense: keepOutputDense, rewind: false).prune(model)
    }

    /// `base` (the rewind point or a fresh initialisation, dense at the pruned layers) under
    /// the masks of `pruning`: its Dense layers made truly sparse, its convolutions masked.
    public static func applying(_ pruning: EdgePruningResult, to base: Network) throws -> Network {
        try applying(masks: pruning.layers.map { ($0.position, $0.mask.converted(to: Float.self)) }, architecture: pruning.model.architecture, to: base)
    }

    static func applying(masks: [(position: Int, mask: Matrix<Float>)], architecture: Architecture, to base: Network) throws -> Network {
        var layers = base.layers
        for (p, mask) in masks {
            guard let weight = base.layers[p].connections?.weight, weight.rows == mask.rows, weight.columns == mask.columns else {
                throw EdgePruningError.invalidOption("imp: layer \(p) of the base model does not match the masks")
            }
            layers[p] = base.layers[p].keepingConnections(mask)
        }
        return Network(architecture: architecture, layers: layers)
    }

    /// Random masks with the per-layer counts of `pruning` (uniform over each layer's
    /// positions, drawn from `SplitMix64(seed)`), applied to `base`.
    public static func randomMasks(like pruning: EdgePruningResult, on base: Network, seed: UInt64) throws -> Network {
        var generator = SplitMix64(seed: seed)
        let masks = pruning.layers.map { layer -> (position: Int, mask: Matrix<Float>) in
            (layer.position, RandomMask.uniform(rows: layer.mask.rows, columns: layer.mask.columns, kept: layer.kept, generator: &generator))
        }
        return try applying(masks: masks, architecture: pruning.model.architecture, to: base)
    }
}
