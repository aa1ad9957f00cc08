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
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        func union(_ a: Int, _ b: Int) {
            var ra = find(a), rb = find(b)
            guard ra != rb else { return }
            if size[ra] < size[rb] { swap(&ra, &rb) }
            parent[rb] = ra
            size[ra] += size[rb]
        }
        var rowHasEdge = [Bool](repeating: false, count: n1)
        var columnHasEdge = [Bool](repeating: false, count: n2)
        b.elements.withUnsafeBufferPointer { e in
            for u in 0..<n1 {
                var ru = find(u)
                for v in 0..<n2 where e[u * n2 + v] != 0 {
                    rowHasEdge[u] = true
                    columnHasEdge[v] = true
                    let rv = find(n1 + v)
                    if rv != ru { union(ru, rv); ru = find(u) }
                }
            }
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
