/// Laplacian centrality (Qi, Fuller, Wu, Wu & Zhang 2012): the drop of the Laplacian energy
/// when a node is removed.
///
/// With `L = D − A`, `E_L(G) = Σ λᵢ(L)² = tr(L²) = Σ_u d_u² + 2 Σ_{u<v} w_uv²`. Deleting `v` (and
/// its edges) lowers its neighbours' degrees by `w_uv`, so
///
///     ΔE(v) = E_L(G) − E_L(G − v) = d_v² + Σ_u w_uv² + 2 Σ_u w_uv d_u,
///
/// computed for all nodes in one O(n + m) pass with floating-point degrees. Normalised scores
/// divide by `E_L(G)` (all zero when the graph has no edges). `absoluteWeights` scores `|w|`.
///
/// `Variant.networkitLegacy` reproduces what NetworKit ≤ 11.2 computes on the directed graph
/// the CenSET code builds (edge source → target; here: lower node id → higher node id, which is
/// the forward direction for `LayeredGraph`):
///
///     C(u) = trunc(d⁺_u)² + Σ_{v ∈ out(u)} w_uv (w_uv + 2 d⁺_v),   d⁺ = weighted out-degree,
///
/// where `trunc` is NetworKit's store of `d⁺_u` in an unsigned 64-bit integer before squaring
/// (toward zero; the wrap-around of a negative value cancels in the square on x86-64 for
/// |d| < 2³²). The last block of a layered graph has no out-edges and always scores 0.
/// Normalised legacy scores divide by `Σ_u trunc(d⁺_u)² + Σ_{u→v} w_uv²`, as NetworKit does.
public struct LaplacianCentrality: GraphCentrality {
    public enum Variant: String, Sendable, CaseIterable {
        /// Qi et al. 2012 on the undirected graph, floating-point degrees (the default).
        case standard
        /// NetworKit ≤ 11.2 on the forward-directed graph (truncated out-degrees).
        case networkitLegacy = "networkit-legacy"
    }

    public var normalized: Bool
    public var absoluteWeights: Bool
    public var variant: Variant
    public var name: String { variant == .standard ? "laplacian" : "laplacian-networkit-legacy" }

    public init(normalized: Bool = false, absoluteWeights: Bool = false, variant: Variant = .standard) {
        self.normalized = normalized
        self.absoluteWeights = absoluteWeights
        self.variant = variant
    }

    public func centrality(of input: WeightedGraph) throws -> NodeScores {
        let graph = absoluteWeights ? input.absoluteWeights() : input
        let values = variant == .standard ? standardScores(graph) : legacyScores(graph)
        return NodeScores(values: values, diagnostics: ScoreDiagnostics(
            nodes: graph.nodeCount, edges: graph.edgeCount, components: graph.components().count, iterations: 0))
    }

    /// The Laplacian energy `E_L(G) = Σ_u d_u² + 2 Σ_{u<v} w_uv²`. O(n + m).
    public static func energy(of graph: WeightedGraph) -> Double {
        let d = graph.degrees()
        return d.reduce(0) { $0 + $1 * $1 } + graph.adjacency.values.reduce(0) { $0 + $1 * $1 }
    }

    private func standardScores(_ graph: WeightedGraph) -> [Double] {
        let d = graph.degrees()
        let a = graph.adjacency
        var scores = [Double](repeating: 0, count: graph.nodeCount)
        var energy = 0.0
        for v in 0..<graph.nodeCount {
            var squares = 0.0, weightedDegrees = 0.0
            for k in a.rowStarts[v]..<a.rowStarts[v + 1] {
                let w = a.values[k]
                squares += w * w
                weightedDegrees += w * d[Int(a.columnIndices[k])]
            }
            scores[v] = d[v] * d[v] + squares + 2 * weightedDegrees
            energy += d[v] * d[v] + squares
        }
        return normalized ? scores.map { energy > 0 ? $0 / energy : 0 } : scores
    }

    private func legacyScores(_ graph: WeightedGraph) -> [Double] {
        let a = graph.adjacency
        let n = graph.nodeCount
        var outDegree = [Double](repeating: 0, count: n)
        for u in 0..<n {
            for k in a.rowStarts[u]..<a.rowStarts[u + 1] where Int(a.columnIndices[k]) > u {
                outDegree[u] += a.values[k]
            }
        }
        var scores = [Double](repeating: 0, count: n)
        var total = 0.0
        for u in 0..<n {
            let truncated = outDegree[u].rounded(.towardZero)
            var score = truncated * truncated
            total += truncated * truncated
            for k in a.rowStarts[u]..<a.rowStarts[u + 1] where Int(a.columnIndices[k]) > u {
                let w = a.values[k]
                score += w * (w + 2 * outDegree[Int(a.columnIndices[k])])
                total += w * w
            }
            scores[u] = score
        }
        return normalized ? scores.map { total != 0 ? $0 / total : 0 } : scores
    }
}
