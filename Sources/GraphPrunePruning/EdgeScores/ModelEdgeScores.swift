import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// What a model-based edge scorer sees: the model, which of its layers are scored, training
/// data (for data-dependent scores), the target density (for iterative scores) and the seed.
public struct EdgeScoringContext: Sendable {
    public var model: Network
    /// Positions (`layers.{i}`) of the scored layers, each a Dense, SparseDense or Conv2D layer,
    /// in increasing order.
    public var positions: [Int]
    /// Training data (needed by SNIP; ignored by the data-free scores).
    public var data: LabeledData?
    /// The density `q ∈ (0, 1]` the caller will prune to (SynFlow's rounds head for it).
    public var density: Double
    public var seed: UInt64

    public init(model: Network, positions: [Int], data: LabeledData? = nil, density: Double = 1, seed: UInt64 = 0) {
        self.model = model
        self.positions = positions
        self.data = data
        self.density = density
        self.seed = seed
    }

    /// The first `count` mini-batches of `batchSize` training samples of
    /// `BatchIterator(count:batchSize:seed:)`'s epoch 0 (a seeded shuffle): what the
    /// data-dependent scores (SNIP, GraSP) read.
    /// - Throws: `EdgePruningError.invalidOption` naming `scorer` without training data, for
    ///   non-positive counts, data that does not fit the model's inputs, or too few samples.
    public func trainingBatches(_ count: Int, of batchSize: Int, scorer: String) throws -> [(features: Matrix<Float>, labels: [Int32])] {
        guard let data else { throw EdgePruningError.invalidOption("edge score '\(scorer)' needs training data (none was given)") }
        guard count > 0 else { throw EdgePruningError.invalidOption("\(scorer): batches \(count) must be positive") }
        guard batchSize > 0 else { throw EdgePruningError.invalidOption("\(scorer): batchSize \(batchSize) must be positive") }
        guard data.features.columns == model.architecture.sizes.first else {
            throw EdgePruningError.invalidOption("\(scorer): the data has \(data.features.columns) features, the model \(model.architecture.sizes.first ?? 0) inputs")
        }
        let iterator = BatchIterator(count: data.count, batchSize: batchSize, seed: seed)
        guard iterator.batches >= count else {
            throw EdgePruningError.invalidOption("\(scorer): \(count) batches of \(batchSize) samples: the training data has only \(data.count) samples (\(iterator.batches) batches)")
        }
        return (0..<count).map { b in
            let indices = iterator.range(of: b)
            var features = Matrix<Float>(rows: indices.count, columns: data.features.columns)
            var labels = [Int32](repeating: 0, count: indices.count)
            data.gather(indices, into: &features, labels: &labels)
            return (features, labels)
        }
    }

    /// The scored layers' weights, out × in in Double (see `EdgeLayers.weight`).
    public func weights() -> [Matrix<Double>] {
        positions.map { EdgeLayers.weight(of: model.layers[$0])! }
    }

    /// The scored layers' candidate connections (see `EdgeLayers.connections`).
    public func connections() -> [Matrix<Double>] {
        positions.map { EdgeLayers.connections(of: model.layers[$0])! }
    }
}

/// An edge score computed from a whole model: one non-negative matrix per scored layer
/// (`context.positions`), **out × in** like the layer's weights (a convolution unfolded to
/// `filters × C·kh·kw`), higher = more important, zero off the layer's connections. A
/// `signed` scorer (GraSP) may give negative scores: only its order means something, so edge
/// pruning ranks them (`SignedEdgeScores`) and refuses to sample by them.
public protocol ModelEdgeScorer: Sendable {
    var name: String { get }
    /// Whether scores may be negative (default false).
    var signed: Bool { get }
    func scores(_ context: EdgeScoringContext) throws -> [Matrix<Double>]
}

extension ModelEdgeScorer {
    public var signed: Bool { false }
}

/// A weight-only `EdgeScorer` applied to the model's weights (magnitude: `|w|`).
public struct WeightEdgeScores: ModelEdgeScorer {
    public var base: any EdgeScorer
    public var name: String { base.name }

    public init(_ base: any EdgeScorer) { self.base = base }

    public func scores(_ context: EdgeScoringContext) throws -> [Matrix<Double>] {
        try EdgeLayers.checkPositions(context)
        return try base.scores(layers: context.weights())
    }
}

/// The layers edge pruning works on — those with connections (`Layer.connections`: Dense,
/// SparseDense, Conv2D) — seen as out × in matrices: a Dense weight as is, a sparse layer's dense
/// view (zeros off its pattern), a convolution's `filters × (C·kh·kw)` weight (its unfolded
/// bipartite graph).
public enum EdgeLayers {
    /// Whether `layer` has prunable connections.
    /// Grouped convolutions are not: their matrix is not their bipartite graph (see
    /// `LayerConnections.groups`), which resistances and λ₂ need.
    public static func isPrunable(_ layer: any Layer) -> Bool { (layer.connections?.groups ?? 0) == 1 }

    /// The weight matrix (out × in) in Double, or nil for a layer without connections.
    /// - Complexity: O(out · in).
    public static func weight(of layer: any Layer) -> Matrix<Double>? {
        layer.connections?.weight.converted(to: Double.self)
    }

    /// 1 where a connection exists (every entry of a Dense or unmasked Conv2D layer, the pattern
    /// of a sparse layer — whose connections may hold the weight 0 —, the mask of a masked
    /// convolution), 0 elsewhere; nil for a layer without connections.
    public static func connections(of layer: any Layer) -> Matrix<Double>? {
        layer.connections?.existing
    }

    /// Consecutive columns that belong to one input neuron: `kh · kw` for a convolution (its
    /// inputs are channels), 1 otherwise.
    public static func inputGroupSize(of layer: any Layer) -> Int {
        layer.connections?.inputGroupSize ?? 1
    }

    /// The positions of every prunable layer of `model`, in order.
    public static func positions(in model: Network) -> [Int] {
        model.layers.indices.filter { isPrunable(model.layers[$0]) }
    }

    /// Throws unless every position of `context` is a prunable layer of its model, in increasing order.
    static func checkPositions(_ context: EdgeScoringContext) throws {
        for (k, p) in context.positions.enumerated() {
            guard p >= 0 && p < context.model.layers.count, isPrunable(context.model.layers[p]) else {
                throw EdgePruningError.invalidOption("layers: position \(p) is not a Dense, SparseDense or ungrouped convolution layer of the model (prunable: \(positions(in: context.model)))")
            }
            guard k == 0 || context.positions[k - 1] < p else {
                throw EdgePruningError.invalidOption("layers: positions \(context.positions) must be increasing and distinct")
            }
        }
    }
}

/// Bad options or inputs of edge scoring and pruning; the message names the option or input.
public enum EdgePruningError: Error, Equatable, CustomStringConvertible {
    case invalidOption(String)
    case unsupportedLayer(String)

    public var description: String {
        switch self {
        case .invalidOption(let m), .unsupportedLayer(let m): return m
        }
    }
}
