import GraphPruneNumerics

/// Shortest-path betweenness (Freeman 1977) by Brandes' algorithm (2001): the share of shortest
/// paths between other pairs of nodes that pass through `v`,
/// ```
/// b(v) = Σ_{s ≠ v ≠ t, s < t} σ_st(v) / σ_st
/// ```
/// with `σ_st` the number of shortest `s`–`t` paths and `σ_st(v)` those through `v`. Edge
/// weights are **lengths** (NetworkX's `betweenness_centrality(G, weight="weight")`); with
/// `weighted` false every edge has length 1 (hop counts). Paths tie when their lengths are equal
/// as Doubles, as NetworkX compares them. Normalised, `b(v) · 2 / ((n − 1)(n − 2))` (NetworkX's
/// scaling for undirected graphs; no change for n ≤ 2).
///
/// One single-source shortest-path search per node (Dijkstra with a binary heap, or BFS-like
/// with unit lengths), then the dependency accumulation in order of decreasing distance.
/// - Complexity: O(n · m · log n) time, O(n + m) memory.
public struct BetweennessCentrality: GraphCentrality {
    public var weighted: Bool
    public var normalized: Bool
    public var name: String { "betweenness" }

    public init(weighted: Bool = true, normalized: Bool = false) {
        (self.weighted, self.normalized) = (weighted, normalized)
    }

    /// - Throws: `NumericalError.invalidInput` for a weighted graph with an edge length that is
    ///   not positive and finite.
    public func centrality(of graph: WeightedGraph) throws -> NodeScores {
        let n = graph.nodeCount
        if weighted, let bad = graph.adjacency.values.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw NumericalError.invalidInput("betweenness: edge length \(bad) is not positive and finite (weights are lengths here)")
        }
        var betweenness = [Double](repeating: 0, count: n)
        var distance = [Double](repeating: .infinity, count: n)
        var paths = [Double](repeating: 0, count: n)
        var dependency = [Double](repeating: 0, count: n)
        var predecessors = [[Int]](repeating: [], count: n)
        var settled = [Bool](repeating: false, count: n)
        var touched = [Int](), order = [Int]()
        var heap = MinimumHeap()
        for s in 0..<n {
            // Reset what the previous source reached.
            for v in touched {
                (distance[v], paths[v], dependency[v], settled[v]) = (.infinity, 0, 0, false)
                predecessors[v].removeAll(keepingCapacity: true)
            }
            touched.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            (distance[s], paths[s]) = (0, 1)
            touched.append(s)
            heap.push(0, s)
            // Dijkstra: nodes leave the heap in order of distance; stale entries are skipped.
            while let (d, v) = heap.pop() {
                if settled[v] || d > distance[v] { continue }
                settled[v] = true
                order.append(v)
                let (neighbors, weights) = graph.neighbors(of: v)
                for (w32, length) in zip(neighbors, weights) {
                    let w = Int(w32), candidate = d + (weighted ? length : 1)
                    if candidate < distance[w] {
                        if distance[w] == .infinity { touched.append(w) }
                        (distance[w], paths[w]) = (candidate, paths[v])
                        predecessors[w].removeAll(keepingCapacity: true)
                        predecessors[w].append(v)
                        heap.push(candidate, w)
                    } else if candidate == distance[w] {
                        paths[w] += paths[v]
                        predecessors[w].append(v)
                    }
                }
            }
            // Dependencies δ_s(v) = Σ_{w: v ∈ pred(w)} σ_sv/σ_sw (1 + δ_s(w)), farthest first.
            for w in order.reversed() {
                for v in predecessors[w] { dependency[v] += paths[v] / paths[w] * (1 + dependency[w]) }
                if w != s { betweenness[w] += dependency[w] }
            }
        }
        // Each unordered pair was counted from both ends.
        let scale = normalized && n > 2 ? 1 / Double((n - 1) * (n - 2)) : 0.5
        return NodeScores(values: betweenness.map { $0 * scale }, diagnostics: ScoreDiagnostics(
            nodes: n, edges: graph.edgeCount, components: graph.components().count, iterations: n))
    }
}

/// A binary min-heap of `(key, node)` pairs (ties by the lower node), for Dijkstra with lazy
/// deletion: a node may be pushed several times, stale entries are skipped when popped.
struct MinimumHeap {
    private var items: [(key: Double, node: Int)] = []

    mutating func push(_ key: Double, _ node: Int) {
        items.append((key, node))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let (l, r) = (2 * i + 1, 2 * i + 2)
                var smallest = i
                if l < items.count && Self.less(items[l], items[smallest]) { smallest = l }
                if r < items.count && Self.less(items[r], items[smallest]) { smallest = r }
                guard smallest != i else { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return (top.key, top.node)
    }

    private static func less(_ a: (key: Double, node: Int), _ b: (key: Double, node: Int)) -> Bool {
        (a.key, a.node) < (b.key, b.node)
    }
}
