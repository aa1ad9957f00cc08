import GraphPruneNumerics

/// The plugin protocol for neuron importance: one score per neuron of a layer, higher = more
/// important (ties are broken by the lower neuron index, see `NodeScores.ranking()`).
///
/// A scorer sees the layer's weights with **one row per neuron** (`n × d`, PyTorch `nn.Linear`
/// orientation: row `i` is neuron `i`'s incoming weights; transpose a Keras kernel first).
/// A new scorer is one file: a type conforming to this protocol plus an entry in
/// `ScorerRegistry.standard` (or a registry of your own, `ScorerRegistry.registering`).
public protocol ImportanceScorer: Sendable {
    /// Stable name used by the CLI and experiment specs.
    var name: String { get }
    func scores<S: BLASScalar>(neurons: Matrix<S>) throws -> NodeScores
}

/// Paper 002's family: build the layer's neuron-similarity graph (`NeuronSimilarityGraph`,
/// threshold τ) and score its nodes with a graph centrality (eigenvector, Laplacian, degree).
/// - Complexity: the similarity build, O(n² d / 2) in BLAS, plus the centrality's cost.
public struct SimilarityGraphScorer<Centrality: GraphCentrality>: ImportanceScorer {
    public var tau: Double
    public var centrality: Centrality
    public var name: String { centrality.name }

    public init(tau: Double, centrality: Centrality) {
        self.tau = tau
        self.centrality = centrality
    }

    public func scores<S: BLASScalar>(neurons: Matrix<S>) throws -> NodeScores {
        let graph = NeuronSimilarityGraph.build(neurons: neurons, tau: tau)
        return try centrality.centrality(of: graph)
    }
}
