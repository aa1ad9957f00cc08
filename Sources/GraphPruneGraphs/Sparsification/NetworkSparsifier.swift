import GraphPruneNumerics

/// One-shot edge pruning of a network's layers to an exact density (paper 004).
///
/// `layers[l]` is layer `l`'s weight matrix, **out × in** (a convolution unfolded to
/// `C_out × (C_in·K_h·K_w)`, see `Tensor.unfoldedLayer`). The candidates are the nonzero weights;
/// each layer's bipartite graph has the edge scores (|w| for `magnitude`) as edge weights.
///
/// - `spectral`, layerwise (Algorithm 2): per layer, exact effective resistances
///   (`EffectiveResistance.bySchurComplement`; approximate ones with `approximateLayerwise`), leverage `ℓ_e = score_e · Reff(e)`, and
///   `SpectralSampler` to exactly `round(q · candidates of the layer)` edges.
/// - `spectral`, global (Algorithm 1): one sample over the whole network's graph to
///   `round(q · all candidates)` edges. Layers that chain (`layers[l+1].columns ==
///   layers[l].rows`) share their neurons, as in a multilayer perceptron; otherwise the layers'
///   graphs are joined as a disjoint union. Resistances come from the approximate route
///   (`ApproximateEffectiveResistance`), since the whole graph is too large for the exact ones.
/// - `greedy`, layerwise: the `round(q · candidates)` highest scores of each layer.
/// - `greedy`, global: the highest scores over all layers together (OpenLTH's `sparse_global`
///   with magnitudes).
/// - `random`, layerwise: `round(q · candidates)` candidates of each layer chosen uniformly at
///   random (the control); global: uniformly over all candidates together.
/// Ties in scores go to the lower (layer, row-major index). Every random choice comes from
/// `seed`, each layer from its own stream.
public struct NetworkSparsifier: Sendable {
    public enum Method: String, Sendable, CaseIterable { case spectral, greedy, random }

    public var method: Method
    /// Target density `q` in (0, 1].
    public var density: Double
    public var global: Bool
    /// Mask entries `1 / p_e` instead of 1 for spectral samples (graph sparsification).
    public var reweight: Bool
    public var seed: UInt64
    public var scorer: any EdgeScorer
    /// Accuracy of the approximate resistances of the global spectral variant (and of the
    /// layerwise one with `approximateLayerwise`).
    public var approximation: ApproximateEffectiveResistance
    /// Layerwise spectral sampling with approximate resistances (`approximation`, on each
    /// layer's bipartite graph) instead of the exact Schur-complement ones: paper 004's Table 1
    /// compares both.
    public var approximateLayerwise = false
    /// Layerwise methods: layer `l` keeps `round(layerDensities[l] · candidates)` instead of
    /// `round(q · candidates)` (`DensityDistribution`); nil: `density` everywhere. Not for the
    /// global methods, which choose over all layers together.
    public var layerDensities: [Double]? = nil

    public init(
        method: Method, density: Double, global: Bool = false, reweight: Bool = false, seed: UInt64 = 0,
        scorer: any EdgeScorer = MagnitudeEdgeScorer(),
        approximation: ApproximateEffectiveResistance = ApproximateEffectiveResistance()
    ) {
        self.method = method
        self.density = density
        self.global = global
        self.reweight = reweight
        self.seed = seed
        self.scorer = scorer
        self.approximation = approximation
    }

    /// What happened to one layer.
    public struct LayerResult: Sendable {
        /// Same shape as the layer: 0 = pruned, 1 = kept (or `1 / p_e` with `reweight`).
        public var mask: Matrix<Double>
        public var candidates: Int
        public var kept: Int
        public var before: LayerConnectivity
        public var after: LayerConnectivity
        /// Neurons (inputs + outputs) that had a candidate edge and have none left.
        public var collapsedNeurons: Int
        /// The ε of the spectral sample (nil for greedy, or when no edge was sampled by ε).
        public var epsilon: Double?
        /// Edges added uniformly at random to reach the exact count (spectral; with `global`, the
        /// count for the whole network, repeated on every layer).
        public var toppedUp: Int
        /// `xᵀ L_H x / xᵀ L_G x` over random `x ⊥ 1`, `H` = the scores kept (times the mask's
        /// `1/p_e` with `reweight`), `G` = all scores.
        public var quadraticForm: QuadraticFormRange
    }

    /// - Parameters:
    ///   - candidateMasks: per layer, where edges may be kept (nonzero entries), e.g. a sparse
    ///     layer's mask, whose connections can hold the weight 0; nil: the nonzero weights.
    ///   - inputGroupSizes: per layer, how many consecutive columns form one input neuron when
    ///     collapse is counted (`K_h · K_w` for an unfolded convolution, whose inputs are
    ///     channels); nil: 1.
    public func sparsify(
        layers: [Matrix<Double>], candidateMasks: [Matrix<Double>?]? = nil, inputGroupSizes: [Int]? = nil
    ) throws -> [LayerResult] {
        guard density > 0 && density <= 1 else {
            throw NumericalError.invalidInput("density \(density) is outside (0, 1]")
        }
        if let layerDensities {
            guard !global else { throw NumericalError.invalidInput("per-layer densities apply to layerwise methods, not global ones") }
            guard layerDensities.count == layers.count, layerDensities.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw NumericalError.invalidInput("\(layerDensities.count) per-layer densities in [0, 1] are needed for \(layers.count) layers")
            }
        }
        for (l, layer) in layers.enumerated() {
            if let bad = layer.firstNonFinite() {
                throw NumericalError.invalidInput("layer \(l) weight (\(bad.row), \(bad.column)) is not finite")
            }
        }
        let scores = try scorer.scores(layers: layers)
        let candidates = layers.indices.map { l -> [Int] in
            let where_ = candidateMasks?[l] ?? layers[l]
            precondition(where_.rows == layers[l].rows && where_.columns == layers[l].columns, "mask of layer \(l) has another shape")
            return where_.elements.indices.filter { where_.elements[$0] != 0 }
        }
        var kept: [[Bool]]
        var probabilities: [[Double]]
        var epsilons = [Double?](repeating: nil, count: layers.count)
        var toppedUp = [Int](repeating: 0, count: layers.count)
        switch (method, global) {
        case (.greedy, false):
            kept = zip(scores, candidates).enumerated().map { l, pair in
                let (s, c) = pair
                let order = topFirst(c.map { s.elements[$0] })
                var k = [Bool](repeating: false, count: c.count)
                for e in order.prefix(target(c.count, layer: l)) { k[e] = true }
                return k
            }
            probabilities = candidates.map { [Double](repeating: 1, count: $0.count) }
        case (.greedy, true):
            let flat = zip(scores, candidates).flatMap { s, c in c.map { s.elements[$0] } }
            var all = [Bool](repeating: false, count: flat.count)
            for e in topFirst(flat).prefix(target(flat.count)) { all[e] = true }
            kept = split(all, like: candidates)
            probabilities = candidates.map { [Double](repeating: 1, count: $0.count) }
        case (.spectral, false):
            kept = []
            probabilities = []
            for l in layers.indices {
                let leverage: [Double]
                if approximateLayerwise {
                    let layer = try NetworkGraph(scores: [scores[l]])
                    let resistance = try approximation.resistances(of: layer.graph).values
                    leverage = candidates[l].map { scores[l].elements[$0] * layer.value(resistance, layer: 0, index: $0, columns: scores[l].columns) }
                } else {
                    let resistance = try EffectiveResistance.bySchurComplement(biadjacency: scores[l])
                    leverage = candidates[l].map { scores[l].elements[$0] * resistance.elements[$0] }
                }
                let sampler = SpectralSampler(seed: layerSeed(l))
                let sample = sampler.sample(
                    leverage: leverage, nodeCount: layers[l].rows + layers[l].columns, count: target(leverage.count, layer: l))
                kept.append(sample.kept)
                probabilities.append(sample.probabilities)
                epsilons[l] = sample.epsilon
                toppedUp[l] = sample.toppedUp
            }
        case (.random, false):
            kept = candidates.indices.map { l in randomChoice(candidates[l].count, keep: target(candidates[l].count, layer: l), stream: UInt64(l)) }
            probabilities = candidates.map { [Double](repeating: 1, count: $0.count) }
        case (.random, true):
            let all = candidates.reduce(0) { $0 + $1.count }
            kept = split(randomChoice(all, keep: target(all), stream: 0), like: candidates)
            probabilities = candidates.map { [Double](repeating: 1, count: $0.count) }
        case (.spectral, true):
            let whole = try NetworkGraph(scores: scores)
            let resistance = try approximation.resistances(of: whole.graph).values
            let leverage = zip(scores.indices, candidates).flatMap { l, c in
                c.map { scores[l].elements[$0] * whole.value(resistance, layer: l, index: $0, columns: scores[l].columns) }
            }
            let sample = SpectralSampler(seed: layerSeed(0)).sample(
                leverage: leverage, nodeCount: whole.graph.nodeCount, count: target(leverage.count))
            kept = split(sample.kept, like: candidates)
            probabilities = split(sample.probabilities, like: candidates)
            epsilons = Array(repeating: sample.epsilon, count: layers.count)
            toppedUp = Array(repeating: sample.toppedUp, count: layers.count)
        }
        return try layers.indices.map { l in
            var mask = Matrix<Double>(rows: layers[l].rows, columns: layers[l].columns)
            for (e, index) in candidates[l].enumerated() where kept[l][e] {
                mask.elements[index] = reweight && method == .spectral ? 1 / probabilities[l][e] : 1
            }
            var keptScores = scores[l]
            for k in keptScores.elements.indices { keptScores.elements[k] *= mask.elements[k] }
            return LayerResult(
                mask: mask, candidates: candidates[l].count, kept: kept[l].filter { $0 }.count,
                before: try LayerConnectivity(edgeWeights: scores[l]),
                after: try LayerConnectivity(edgeWeights: keptScores),
                collapsedNeurons: collapsed(
                    candidates: candidates[l], columns: layers[l].columns, rows: layers[l].rows, mask: mask,
                    inputGroup: inputGroupSizes?[l] ?? 1),
                epsilon: epsilons[l], toppedUp: toppedUp[l],
                quadraticForm: QuadraticFormRange(original: scores[l], sparsified: keptScores, seed: layerSeed(l)))
        }
    }

    /// `round(q · m)`, half away from zero.
    func target(_ m: Int) -> Int { min(m, Int((density * Double(m)).rounded())) }

    /// Layer `l`'s count: `round(q_l · m)` with its own density when `layerDensities` is set.
    func target(_ m: Int, layer l: Int) -> Int {
        guard let layerDensities else { return target(m) }
        return min(m, Int((layerDensities[l] * Double(m)).rounded()))
    }

    private func layerSeed(_ layer: Int) -> UInt64 {
        var g = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(layer + 1))
        return g.next()
    }

    /// `target(m)` of `m` items, uniformly at random: the first `target(m)` positions of a
    /// partial Fisher–Yates shuffle drawn from the stream's own `SplitMix64`.
    private func randomChoice(_ m: Int, keep: Int, stream: UInt64) -> [Bool] {
        var positions = Array(0..<m)
        var generator = SplitMix64(seed: seed ^ (0x7261_6E64 &+ 0x9E37_79B9_7F4A_7C15 &* (stream + 1)))  // "rand"
        for i in 0..<keep { positions.swapAt(i, i + Int(generator.next() % UInt64(m - i))) }
        var chosen = [Bool](repeating: false, count: m)
        for p in positions.prefix(keep) { chosen[p] = true }
        return chosen
    }

    /// Indices by score descending, ties to the lower index.
    private func topFirst(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    }

    private func split<T>(_ flat: [T], like groups: [[Int]]) -> [[T]] {
        var start = 0
        return groups.map { g in
            defer { start += g.count }
            return Array(flat[start..<(start + g.count)])
        }
    }

    /// Output rows, and input neurons (groups of `inputGroup` consecutive columns), that had a
    /// candidate edge and have no kept edge left.
    private func collapsed(candidates: [Int], columns: Int, rows: Int, mask: Matrix<Double>, inputGroup: Int) -> Int {
        let inputs = (columns + inputGroup - 1) / max(1, inputGroup)
        var hadOutput = [Bool](repeating: false, count: rows), hasOutput = hadOutput
        var hadInput = [Bool](repeating: false, count: inputs), hasInput = hadInput
        for index in candidates {
            let j = index / columns, i = (index % columns) / max(1, inputGroup)
            hadOutput[j] = true
            hadInput[i] = true
            if mask.elements[index] != 0 { hasOutput[j] = true; hasInput[i] = true }
        }
        return zip(hadOutput, hasOutput).filter { $0 && !$1 }.count + zip(hadInput, hasInput).filter { $0 && !$1 }.count
    }
}
