/// A centrality measure: one score per node of a weighted undirected graph, higher = more
/// central. The graph-based `ImportanceScorer`s apply one to a layer's neuron-similarity graph;
/// CenSET applies one to the whole-network graph; `graphprune centrality` to a graph file.
public protocol GraphCentrality: Sendable {
    /// Stable name used by the CLI and by experiment specs.
    var name: String { get }
    func centrality(of graph: WeightedGraph) throws -> NodeScores
}
