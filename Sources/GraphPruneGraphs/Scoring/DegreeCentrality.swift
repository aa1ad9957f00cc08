/// Weighted degree (strength) `d_u = Σ_v w_uv`; normalised, `d_u / (n − 1)` (NetworkX's
/// `degree_centrality` scaling, equal to it on unweighted graphs).
/// - Complexity: O(n + m).
public struct DegreeCentrality: GraphCentrality {
    public var normalized: Bool
    public var name: String { "degree" }

    public init(normalized: Bool = false) { self.normalized = normalized }

    public func centrality(of graph: WeightedGraph) throws -> NodeScores {
        let n = graph.nodeCount
        var d = graph.degrees()
        if normalized && n > 1 { d = d.map { $0 / Double(n - 1) } }
        return NodeScores(values: d, diagnostics: ScoreDiagnostics(
            nodes: n, edges: graph.edgeCount, components: graph.components().count, iterations: 0))
    }
}
