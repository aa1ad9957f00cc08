import GraphPruneNumerics

/// The connected components of a layer's bipartite graph, read straight from its biadjacency
/// `B` (`rows × columns`, an edge wherever `B_uv ≠ 0`) without building the graph.
///
/// Component `c` is `(rows[c], columns[c])`, both ascending; components are ordered by their
/// smallest row (or, for a component without rows, its column), and neurons with no edge form
/// components of their own (`isolatedRows`, `isolatedColumns` list them).
/// - Complexity: O(rows · columns) with union–find (path halving, union by size).
public struct BipartiteComponents: Sendable {
    public let rows: [[Int]]
    public let columns: [[Int]]
    public let isolatedRows: [Int]
    public let isolatedColumns: [Int]

    /// Components with at least one edge.
    public var connectedCount: Int { rows.count }
    /// All components, isolated neurons included.
    public var count: Int { rows.count + isolatedRows.count + isolatedColumns.count }

    public init(_ b: Matrix<Double>) {
        let n1 = b.rows, n2 = b.columns
        // Nodes: rows 0..<n1, columns n1..<n1+n2.
        var parent = Array(0..<(n1 + n2))
        var size = [Int](repeating: 1, count: n1 + n2)
        var rowHasEdge = [Bool](repeating: false, count: n1)
        var columnHasEdge = [Bool](repeating: false, count: n2)
        // The scan visits every entry of B: it runs on raw buffers (no per-access exclusivity
        // checks), with the root of the current row kept across its entries.
        parent.withUnsafeMutableBufferPointer { p in
            size.withUnsafeMutableBufferPointer { s in
                columnHasEdge.withUnsafeMutableBufferPointer { hasEdge in
                    b.elements.withUnsafeBufferPointer { e in
                        func find(_ x: Int) -> Int {
                            var x = x
                            while p[x] != x { p[x] = p[p[x]]; x = p[x] }
                            return x
                        }
                        for u in 0..<n1 {
                            var ru = find(u)
                            let row = u * n2
                            for v in 0..<n2 where e[row + v] != 0 {
                                rowHasEdge[u] = true
                                hasEdge[v] = true
                                let rv = find(n1 + v)
                                guard rv != ru else { continue }
                                // Union by size; `ru` stays the root of row u's component.
                                if s[ru] < s[rv] { p[ru] = rv; s[rv] += s[ru]; ru = rv } else { p[rv] = ru; s[ru] += s[rv] }
                            }
                        }
                    }
                }
            }
        }
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var index = [Int: Int]()
        var rows = [[Int]](), columns = [[Int]]()
        func component(_ root: Int) -> Int {
            if let c = index[root] { return c }
            index[root] = rows.count
            rows.append([])
            columns.append([])
            return rows.count - 1
        }
        for u in 0..<n1 where rowHasEdge[u] { rows[component(find(u))].append(u) }
        for v in 0..<n2 where columnHasEdge[v] { columns[component(find(n1 + v))].append(v) }
        self.rows = rows
        self.columns = columns
        isolatedRows = (0..<n1).filter { !rowHasEdge[$0] }
        isolatedColumns = (0..<n2).filter { !columnHasEdge[$0] }
    }
}
