import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork

/// One-shot unstructured (edge) pruning of a whole `Network` to a target density (paper 004:
/// spectral sparsification against greedy selection, with magnitude, SNIP or SynFlow scores).
///
/// **Candidates.** The connections of the pruned layers (`EdgeLayers.connections`): every
/// weight of a Dense layer and of an unmasked convolution, the stored pattern of a
/// `SparseDense` layer, the mask of a masked convolution. A convolution is pruned as its
/// unfolded bipartite graph, `filters × (C·kh·kw)` (out × in). The pruned layers are `layers`
/// (positions `layers.{i}`), by default every Dense, SparseDense and Conv2D layer including the
/// output layer; `keepOutputDense` leaves the last of them (the output layer) untouched.
///
/// **Scores.** `scorer` scores the given (trained or freshly initialised) model; SNIP reads `data`.
///
/// **Selection** (`method`), always to an exact count:
/// - `spectral`: per layer, `NetworkSparsifier` spectral (leverage `score · Reff` on the layer's
///   bipartite score graph, Spielman–Srivastava sampling, random top-up), `round(q · candidates)`;
/// - `greedy`: per layer, the `round(q · candidates)` highest scores;
/// - `global`: the `round(q · all candidates)` highest scores over all pruned layers together (a
///   global threshold, OpenLTH's `sparse_global` with magnitudes), so layers end at different
///   densities;
/// - `random`: per layer, a uniformly random `round(q · candidates)`-subset (the control).
/// Ties in scores go to the lower (layer, row-major index); every random choice comes from `seed`.
/// With a `densityDistribution` other than `uniform` (`er`, `erk`, as RigL spreads a density),
/// the layerwise methods keep `round(q_l · candidates)` per layer instead, the `q_l` chosen so
/// that the whole network keeps `q` of its candidates (up to rounding).
///
/// **The pruned model.** With `rewind` (paper 004's setting, the lottery-ticket protocol) every
/// layer takes the `initial` model's weights — the kept connections of pruned layers their
/// initial values, the others 0; without it the given model's weights are kept. A pruned Dense
/// layer becomes a `SparseDense` holding exactly the kept connections (spec `.sparseDense`, see
/// ``EdgePruningResult``), a pruned SparseDense the kept subset of its pattern (a rewound one
/// takes `initial`'s weight at each kept position, 0 where `initial` had no connection), and a
/// convolution gets a mask (`Conv2D.setMask`) that keeps the pruned weights at 0 in training.
///
/// - Complexity: the scorer's cost, plus per layer O(m log m) for greedy/random and the exact
///   effective resistances for spectral (`EffectiveResistance.bySchurComplement`), plus the λ₂
///   diagnostics (an SVD per layer before and after).
public struct EdgePruning: Sendable {
    public enum Method: String, Sendable, CaseIterable, Codable {
        case spectral, greedy, global, random
        /// Algorithm 1 of paper 004: one spectral sample over the whole network's graph, with
        /// approximate effective resistances (the paper's slow baseline of its Table 1).
        case globalSpectral = "global-spectral"
    }

    public var method: Method
    /// Target density `q ∈ (0, 1]`: the fraction of candidate connections kept.
    public var density: Double
    public var scorer: any ModelEdgeScorer
    /// Positions of the layers to prune (each Dense, SparseDense or Conv2D); nil = all of them.
    public var layers: [Int]?
    /// Leave the output layer (the last prunable layer) dense. Applies when `layers` is nil.
    public var keepOutputDense: Bool
    /// Apply the masks to `initial`'s weights (true) or keep the given model's weights (false).
    public var rewind: Bool
    public var seed: UInt64
    /// How the layerwise methods spread `density` over the layers (`uniform` by default).
    public var densityDistribution: DensityDistribution = .uniform
    /// `spectral` with approximate effective resistances (as `global-spectral` uses) instead of
    /// the exact ones (`NetworkSparsifier.approximateLayerwise`).
    public var approximateResistances = false

    public init(
        method: Method, density: Double, scorer: any ModelEdgeScorer = WeightEdgeScores(MagnitudeEdgeScorer()),
        layers: [Int]? = nil, keepOutputDense: Bool = false, rewind: Bool, seed: UInt64 = 0
    ) {
        self.method = method
        self.density = density
        self.scorer = scorer
        self.layers = layers
        self.keepOutputDense = keepOutputDense
        self.rewind = rewind
        self.seed = seed
    }

    /// The same with the scorer made by name (`magnitude`, `snip`, `synflow`, …) from `registry`.
    public init(
        method: Method, density: Double, scorer name: String, options: EdgeScorerOptions = EdgeScorerOptions(),
        registry: ModelEdgeScorerRegistry = .standard, layers: [Int]? = nil, keepOutputDense: Bool = false,
        rewind: Bool, seed: UInt64 = 0
    ) throws {
        self.init(
            method: method, density: density, scorer: try registry.make(name, options: options),
            layers: layers, keepOutputDense: keepOutputDense, rewind: rewind, seed: seed)
    }

    /// Prunes `model` (scored as given); `initial` (same architecture) is needed with `rewind`,
    /// `data` by data-dependent scores.
    /// - Throws: `EdgePruningError.invalidOption` for a bad density, layer list, missing or
    ///   mismatched initial model; the scorer's and the sparsifier's errors.
    public func prune(_ model: Network, initial: Network? = nil, data: LabeledData? = nil) throws -> EdgePruningResult {
        guard density > 0 && density <= 1 else {
            throw EdgePruningError.invalidOption("density \(density) is outside (0, 1]")
        }
        let positions = try prunedPositions(of: model)
        let base = try rewindBase(model, initial: initial, positions: positions)
        let context = EdgeScoringContext(model: model, positions: positions, data: data, density: density, seed: seed)
        var scores = try scorer.scores(context)
        let weights = context.weights(), candidates = context.connections()
        if scorer.signed {
            guard method != .spectral && method != .globalSpectral else {
                throw EdgePruningError.invalidOption("edge score '\(scorer.name)' is signed (only its order means something); \(method.rawValue) sampling needs non-negative edge weights: use greedy or global")
            }
            for (l, s) in scores.enumerated() {
                guard s.rows == candidates[l].rows, s.columns == candidates[l].columns else {
                    throw EdgePruningError.invalidOption("\(scorer.name) scores: layer \(l) is \(s.rows) × \(s.columns), the layer \(candidates[l].rows) × \(candidates[l].columns)")
                }
                if let bad = s.firstNonFinite() {
                    throw EdgePruningError.invalidOption("\(scorer.name) scores: layer \(l) entry (\(bad.row), \(bad.column)) is not finite")
                }
            }
            guard scores.count == candidates.count else {
                throw EdgePruningError.invalidOption("\(scorer.name) gave \(scores.count) score matrices for \(candidates.count) layers")
            }
            scores = SignedEdgeScores.ranks(scores, candidates: candidates)
        }
        _ = try GivenEdgeScores(scores, name: scorer.name).scores(layers: weights)  // count, shapes, values
        let groups = positions.map { EdgeLayers.inputGroupSize(of: model.layers[$0]) }

        let selection: NetworkSparsifier.Method
        switch method {
        case .spectral, .globalSpectral: selection = .spectral
        case .greedy, .global: selection = .greedy
        case .random: selection = .random
        }
        var sparsifier = NetworkSparsifier(
            method: selection, density: density, global: method == .global || method == .globalSpectral,
            seed: seed, scorer: GivenEdgeScores(scores, name: scorer.name))
        sparsifier.approximateLayerwise = approximateResistances
        if densityDistribution != .uniform {
            guard !sparsifier.global else {
                throw EdgePruningError.invalidOption("density-distribution \(densityDistribution.rawValue) spreads the density over layers for the layerwise methods (spectral, greedy, random), not \(method.rawValue)")
            }
            let activations = try model.architecture.shapes()
            let shapes = positions.map { p in
                EdgePruning.weightShape(model.architecture.layers[p], input: activations[model.architecture.inputs[p][0]])
            }
            let counts = candidates.map { c in c.elements.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
            sparsifier.layerDensities = try densityDistribution.densities(shapes: shapes, counts: counts, density: density)
        }
        let results = try sparsifier.sparsify(layers: weights, candidateMasks: candidates, inputGroupSizes: groups)
        let reports = zip(positions, results).map { EdgePruningLayerReport(position: $0, result: $1) }
        let pruned = try EdgePruning.apply(reports, to: base)
        return EdgePruningResult(
            model: pruned, layers: reports, parameterCountBefore: ModelCost(model).parameters,
            parameterCount: ModelCost(pruned).parameters)
    }

    /// A layer's weight shape as PyTorch stores it — `[out, in]`, or `[filters, channels, kh, kw]`
    /// for a convolution — from its spec and input shape `[C, H, W]`; `[]` for a layer without
    /// weights (never pruned).
    public static func weightShape(_ spec: Architecture.LayerSpec, input: [Int]) -> [Int] {
        switch spec {
        case .dense(let n), .sparseDense(let n, _): [n, input.reduce(1, *)]
        case .conv2d(let f, let k, _): [f, input[0], k, k]
        case .convolution(let c): [c.filters, input[0] / c.groups, c.kernel, c.kernel]
        case .maxPool, .averagePool, .globalAveragePooling, .relu, .srelu, .dropout, .batchNorm, .add, .flatten, .identity,
             .pooling, .clip, .channelAffine, .sigmoid, .silu, .multiply: []
        }
    }

    /// The pruned positions: `layers`, or every prunable layer (minus the output layer with
    /// `keepOutputDense`); validated.
    func prunedPositions(of model: Network) throws -> [Int] {
        var positions = layers ?? EdgeLayers.positions(in: model)
        if layers == nil && keepOutputDense { positions.removeLast(min(1, positions.count)) }
        try EdgeLayers.checkPositions(EdgeScoringContext(model: model, positions: positions))
        guard !positions.isEmpty else {
            throw EdgePruningError.invalidOption("layers: nothing to prune (the model has \(EdgeLayers.positions(in: model).count) prunable layers\(keepOutputDense ? " and the output layer is kept dense" : ""))")
        }
        return positions
    }

    /// The model whose weights the pruned model takes: `initial` with `rewind`, checked to
    /// match `model` layer by layer, else `model`.
    private func rewindBase(_ model: Network, initial: Network?, positions: [Int]) throws -> Network {
        guard rewind else { return model }
        guard let initial else {
            throw EdgePruningError.invalidOption("rewind: the initial weights (a model of the same architecture) are needed")
        }
        guard initial.architecture == model.architecture else {
            throw EdgePruningError.invalidOption("rewind: the initial model's architecture \(initial.architecture.summary) differs from the model's \(model.architecture.summary)")
        }
        for p in positions {
            let a = EdgeLayers.connections(of: model.layers[p])!, b = EdgeLayers.weight(of: initial.layers[p])
            guard let b, b.rows == a.rows, b.columns == a.columns else {
                throw EdgePruningError.invalidOption("rewind: layer \(p) of the initial model does not match the model's")
            }
        }
        return initial
    }
}
