/// The connected components of a graph.
///
/// Components are numbered in the order of their smallest node id, and `members[c]` lists the
/// nodes of component `c` in increasing order, so the result is deterministic.
public struct ConnectedComponents: Equatable, Sendable {
    /// `labels[u]` is the component of node `u`.
    public let labels: [Int]
    public let members: [[Int]]

    public var count: Int { members.count }

    /// Breadth-first search over the adjacency. O(n + m).
    public init(of graph: WeightedGraph) {
        let n = graph.nodeCount
        var labels = [Int](repeating: -1, count: n)
        var members = [[Int]]()
        var queue = [Int]()
        queue.reserveCapacity(n)
        graph.adjacency.rowStarts.withUnsafeBufferPointer { starts in
            graph.adjacency.columnIndices.withUnsafeBufferPointer { cols in
                for root in 0..<n where labels[root] < 0 {
                    let c = members.count
                    labels[root] = c
                    queue.removeAll(keepingCapacity: true)
                    queue.append(root)
                    var head = 0
                    while head < queue.count {
                        let u = queue[head]
                        head += 1
                        for k in starts[u]..<starts[u + 1] {
                            let v = Int(cols[k])
                            if labels[v] < 0 { labels[v] = c; queue.append(v) }
                        }
                    }
                    members.append(queue.sorted())
                }
            }
        }
        self.labels = labels
        self.members = members
    }
}

extension WeightedGraph {
    /// The connected components (see `ConnectedComponents`).
    public func components() -> ConnectedComponents { ConnectedComponents(of: self) }
}
