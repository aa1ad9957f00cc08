import GraphPruneIO
import GraphPruneNumerics

/// SNIP's connection sensitivity (Lee, Ajanthan & Torr 2019), data-dependent:
/// ```
/// g = Σ_{t=1…T} ∂L_t/∂W        (L_t = mean cross-entropy of mini-batch t, evaluation mode)
/// score(w) = |g ⊙ W|            (= |∂L/∂c| at c = 1 for the multiplicative gate W ⊙ c)
/// ```
/// with the gradients summed before the absolute value, as Tanaka et al.'s reference
/// implementation accumulates `loss.backward()` over the batches. SNIP's normalisation by the
/// total score is left out: it changes no ranking, no per-layer threshold and no leverage
/// `score · Reff` (which is scale-invariant), and a global threshold compares the same ratios.
///
/// The `batches` mini-batches of `batchSize` samples are the first ones of
/// `BatchIterator(count: data.count, batchSize:, seed: context.seed)`'s epoch 0 (a seeded
/// shuffle). Dropout is off (evaluation mode), so the score is a deterministic function of the
/// weights and the chosen samples.
///
/// **Orientation:** each score matrix is the layer's out × in (`filters × C·kh·kw` for a
/// convolution); off a sparse layer's pattern or a convolution's mask the score is 0.
/// - Complexity: `batches` forward and backward passes of `batchSize` samples.
public struct SNIPEdgeScorer: ModelEdgeScorer {
    public var batches: Int
    public var batchSize: Int
    public var name: String { "snip" }

    public init(batches: Int = 1, batchSize: Int = 100) {
        self.batches = batches
        self.batchSize = batchSize
    }

    /// - Throws: `EdgePruningError.invalidOption` without training data, for non-positive counts,
    ///   or when the data has fewer than `batches` mini-batches.
    public func scores(_ context: EdgeScoringContext) throws -> [Matrix<Double>] {
        try EdgeLayers.checkPositions(context)
        guard let data = context.data else {
            throw EdgePruningError.invalidOption("edge score 'snip' needs training data (none was given)")
        }
        guard batches > 0 else { throw EdgePruningError.invalidOption("snip: batches \(batches) must be positive") }
        guard batchSize > 0 else { throw EdgePruningError.invalidOption("snip: batchSize \(batchSize) must be positive") }
        guard data.features.columns == context.model.architecture.sizes.first else {
            throw EdgePruningError.invalidOption("snip: the data has \(data.features.columns) features, the model \(context.model.architecture.sizes.first ?? 0) inputs")
        }
        let iterator = BatchIterator(count: data.count, batchSize: batchSize, seed: context.seed)
        guard iterator.batches >= batches else {
            throw EdgePruningError.invalidOption("snip: \(batches) batches of \(batchSize) samples: the training data has only \(data.count) samples (\(iterator.batches) batches)")
        }
        let weights = context.weights()
        var sums = weights.map { Matrix<Double>(rows: $0.rows, columns: $0.columns) }
        for b in 0..<batches {
            let indices = iterator.range(of: b)
            var features = Matrix<Float>(rows: indices.count, columns: data.features.columns)
            var labels = [Int32](repeating: 0, count: indices.count)
            data.gather(indices, into: &features, labels: &labels)
            let gradients = context.model.weightGradients(features: features, labels: labels).gradients
            for (k, p) in context.positions.enumerated() {
                let g = gradients[p]!
                sums[k].elements.withUnsafeMutableBufferPointer { s in
                    for e in 0..<s.count { s[e] += Double(g.elements[e]) }
                }
            }
        }
        for k in sums.indices {
            for e in sums[k].elements.indices { sums[k].elements[e] = abs(sums[k].elements[e] * weights[k].elements[e]) }
        }
        return sums
    }
}
