import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// GraSP, gradient signal preservation (Wang, Zhang & Grosse 2020), at initialisation:
/// ```
/// g = Σ_t ∇_W L_t            (L_t = mean cross-entropy of mini-batch t on the logits / T)
/// h = Σ_t H_t g              (H_t = ∇²_W L_t: the Hessian of the same loss, weights only)
/// score(w) = w · (H g)_w      (keep the highest; GraSP removes the highest −w · (Hg)_w)
/// ```
/// with temperature T = 200 and the weights only (biases neither in `g` nor differentiated), as
/// the reference code (and Tanaka et al.'s re-implementation) computes it; mini-batches and
/// their order as SNIP's (`BatchIterator(count:batchSize:seed:)`'s epoch 0), evaluation mode.
/// `H g` is exact (`DenseChainCurvature`, the R-operator in Double), so GraSP covers networks
/// that are chains of Dense and ReLU layers (dropout passes through, as in evaluation): MLPs.
///
/// **The scores are signed.** A weight whose removal would increase the gradient flow has a
/// negative score. Rankings (greedy per layer, global) use them as they are; spectral sampling
/// needs non-negative edge weights and refuses them (`EdgePruning`). No normalisation: the
/// reference code's division by |Σ scores| changes no ranking.
///
/// Edge pruning ranks the scores; its λ₂ diagnostics then weight each kept edge by its rank.
///
/// **Orientation:** each score matrix is the layer's out × in.
/// - Complexity: `batches` gradients and Hessian–vector products of `batchSize` samples.
public struct GraSPEdgeScorer: ModelEdgeScorer {
    public var batches: Int
    public var batchSize: Int
    public var temperature: Double
    public var name: String { "grasp" }
    public var signed: Bool { true }

    /// Throws the error `scores` would for a network of `architecture` that is not a chain of
    /// Dense and ReLU layers: what a study checks before its first run.
    public static func requireSupported(_ architecture: Architecture) throws {
        _ = try DenseChainCurvature(Network(architecture: architecture, initializer: .glorotUniform, seed: 0), scorer: "grasp")
    }

    public init(batches: Int = 1, batchSize: Int = 100, temperature: Double = 200) {
        (self.batches, self.batchSize, self.temperature) = (batches, batchSize, temperature)
    }

    /// - Throws: `EdgePruningError.invalidOption` without training data or with too little;
    ///   `.unsupportedLayer` for a network that is not a chain of Dense and ReLU layers or a
    ///   scored layer that is not one of its Dense layers.
    public func scores(_ context: EdgeScoringContext) throws -> [Matrix<Double>] {
        try EdgeLayers.checkPositions(context)
        guard temperature > 0, temperature.isFinite else {
            throw EdgePruningError.invalidOption("grasp: temperature \(temperature) must be positive and finite")
        }
        let chain = try DenseChainCurvature(context.model, scorer: name)
        let scored = try context.positions.map { p in
            guard let k = chain.positions.firstIndex(of: p) else {
                throw EdgePruningError.unsupportedLayer("grasp: layer \(p) is not a Dense layer of the chain")
            }
            return k
        }
        let samples = try context.trainingBatches(batches, of: batchSize, scorer: name).map { ($0.features.converted(to: Double.self), $0.labels) }
        let classes = chain.weights.last!.rows
        if let bad = samples.lazy.flatMap(\.1).first(where: { $0 < 0 || Int($0) >= classes }) {
            throw EdgePruningError.invalidOption("grasp: the data has label \(bad); the model has \(classes) outputs")
        }
        var g = chain.weights.map { Matrix<Double>(rows: $0.rows, columns: $0.columns) }
        for (x, y) in samples {
            for (l, gradient) in chain.gradient(x, labels: y, temperature: temperature).gradients.enumerated() { g[l].add(gradient) }
        }
        var hg = chain.weights.map { Matrix<Double>(rows: $0.rows, columns: $0.columns) }
        for (x, y) in samples {
            for (l, product) in chain.hessianVectorProduct(x, labels: y, temperature: temperature, direction: g).enumerated() { hg[l].add(product) }
        }
        return scored.map { k in
            Matrix(rows: hg[k].rows, columns: hg[k].columns, elements: zip(chain.weights[k].elements, hg[k].elements).map { $0 * $1 })
        }
    }
}
