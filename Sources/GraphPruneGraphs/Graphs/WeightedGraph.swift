import GraphPruneNumerics

/// A weighted undirected simple graph on nodes `0..<nodeCount`, stored as its symmetric adjacency
/// matrix `A` in CSR form: `A_uv = A_vu = w_uv` for every edge, both directions stored, no diagonal
/// (no self loops) and no stored zeros. Weights may be negative (signed similarity or weights).
public struct WeightedGraph: Equatable, Sendable {
    /// The symmetric adjacency matrix (`nodeCount × nodeCount`, both triangles stored).
    public let adjacency: CSRMatrix

    public var nodeCount: Int { adjacency.rows }
    /// Undirected edges (each stored twice in `adjacency`).
    public var edgeCount: Int { adjacency.storedCount / 2 }

    /// Wraps a symmetric adjacency matrix without a diagonal. The builders in this folder produce
    /// such matrices by construction; `WeightedGraph(_:name:)` checks a graph read from a file.
    public init(adjacency: CSRMatrix) {
        precondition(adjacency.rows == adjacency.columns, "adjacency must be square")
        self.adjacency = adjacency
    }

    /// The memory a node costs while it is scored, bounded from above: 32 words — its entries
    /// in ARPACK's 20 Lanczos basis vectors, 3 work vectors and residual, its CSR row pointer,
    /// component label, degree, score and traversal state. A declared node count is checked
    /// against it before anything is allocated.
    public static let bytesPerNode = 8 * 32

    /// A graph from an edge list read from `name`, which is checked: the node count must fit in
    /// memory (`bytesPerNode` each);
    /// ids must lie in `0..<nodeCount`, weights must be finite, self loops are rejected; an edge
    /// listed twice (`u v` and `v u`, as a general Matrix Market file of a symmetric matrix does)
    /// counts once if both copies carry the same weight, and is an error otherwise. Edges of weight
    /// zero are dropped, as in a sparse adjacency matrix.
    /// - Throws: `EdgeListError` naming `name` and the line (or edge index) at fault.
    /// - Complexity: O(m log m).
    public init(_ list: EdgeList, name: String) throws {
        let n = list.nodeCount
        do {
            try MemoryBudget.require([n], bytesEach: Self.bytesPerNode, for: "\(n) nodes")
        } catch {
            throw EdgeListError(source: name, problem: "\(error)")
        }
        func place(_ k: Int) -> String {
            if let lines = list.lines, k < lines.count { return "line \(lines[k])" }
            return "edge \(k)"
        }
        var keyed = [(u: Int, v: Int, w: Double, k: Int)]()
        keyed.reserveCapacity(list.edges.count)
        for (k, e) in list.edges.enumerated() {
            for id in [e.source, e.target] where id < 0 || id >= n {
                throw EdgeListError(source: name, problem: "\(place(k)): node id \(id) is outside 0..<\(n)")
            }
            guard e.weight.isFinite else {
                throw EdgeListError(source: name, problem: "\(place(k)): weight \(e.weight) is not finite")
            }
            guard e.source != e.target else {
                throw EdgeListError(source: name, problem: "\(place(k)): self loop on node \(e.source) (graphs here are simple)")
            }
            keyed.append((min(e.source, e.target), max(e.source, e.target), e.weight, k))
        }
        keyed.sort { ($0.u, $0.v, $0.k) < ($1.u, $1.v, $1.k) }
        var triplets = [(row: Int, column: Int, value: Double)]()
        triplets.reserveCapacity(2 * keyed.count)
        var previous: (u: Int, v: Int, w: Double, k: Int)?
        for e in keyed {
            if let p = previous, p.u == e.u, p.v == e.v {
                guard p.w == e.w else {
                    throw EdgeListError(
                        source: name,
                        problem: "\(place(e.k)): edge \(e.u)–\(e.v) listed again with weight \(e.w) (first \(p.w) at \(place(p.k))); an undirected graph needs one weight per edge")
                }
                continue
            }
            previous = e
            if e.w != 0 {
                triplets.append((e.u, e.v, e.w))
                triplets.append((e.v, e.u, e.w))
            }
        }
        self.init(adjacency: CSRMatrix(rows: n, columns: n, triplets: triplets))
    }

    /// The neighbours of `u` and the weights of the edges to them, in increasing neighbour order.
    public func neighbors(of u: Int) -> (nodes: ArraySlice<Int32>, weights: ArraySlice<Double>) {
        let r = adjacency.rowStarts[u]..<adjacency.rowStarts[u + 1]
        return (adjacency.columnIndices[r], adjacency.values[r])
    }

    /// Weighted degrees (strengths) `d_u = Σ_v w_uv`. O(m).
    public func degrees() -> [Double] {
        adjacency.values.withUnsafeBufferPointer { w in
            (0..<nodeCount).map { u in
                var s = 0.0
                for k in adjacency.rowStarts[u]..<adjacency.rowStarts[u + 1] { s += w[k] }
                return s
            }
        }
    }

    /// The same graph with every weight replaced by its absolute value.
    public func absoluteWeights() -> WeightedGraph {
        let a = adjacency
        return WeightedGraph(adjacency: CSRMatrix(
            rows: a.rows, columns: a.columns, rowStarts: a.rowStarts, columnIndices: a.columnIndices,
            values: a.values.map { abs($0) }))
    }

    /// Whether some edge has a negative weight.
    public var hasNegativeWeights: Bool { adjacency.values.contains { $0 < 0 } }

    /// The subgraph induced by `nodes` (sorted ascending), renumbered `0..<nodes.count` in that
    /// order. Two passes (count, fill) into preallocated storage. O(n + edges touching `nodes`).
    public func induced(by nodes: [Int]) -> WeightedGraph {
        if nodes.count == nodeCount { return self }
        var newID = [Int32](repeating: -1, count: nodeCount)
        for (i, u) in nodes.enumerated() { newID[u] = Int32(i) }
        let a = adjacency
        var starts = [Int](repeating: 0, count: nodes.count + 1)
        for (i, u) in nodes.enumerated() {
            var count = 0
            for k in a.rowStarts[u]..<a.rowStarts[u + 1] where newID[Int(a.columnIndices[k])] >= 0 { count += 1 }
            starts[i + 1] = starts[i] + count
        }
        let stored = starts[nodes.count]
        // Each array's count is set only after every entry is written (trivial types).
        var values = [Double]()
        let columns = [Int32](unsafeUninitializedCapacity: stored) { c, initializedColumns in
            values = [Double](unsafeUninitializedCapacity: stored) { v, initializedValues in
                for (i, u) in nodes.enumerated() {
                    var next = starts[i]
                    for k in a.rowStarts[u]..<a.rowStarts[u + 1] {
                        let id = newID[Int(a.columnIndices[k])]
                        if id >= 0 { c[next] = id; v[next] = a.values[k]; next += 1 }
                    }
                }
                initializedValues = stored
            }
            initializedColumns = stored
        }
        return WeightedGraph(adjacency: CSRMatrix(
            rows: nodes.count, columns: nodes.count, rowStarts: starts, columnIndices: columns, values: values))
    }
}
