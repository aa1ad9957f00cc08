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
        let samples = try context.trainingBatches(batches, of: batchSize, scorer: name)
        let weights = context.weights()
        var sums = weights.map { Matrix<Double>(rows: $0.rows, columns: $0.columns) }
        for (features, labels) in samples {
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
