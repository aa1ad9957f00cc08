/// One weighted edge between two 0-based node ids, as read from a file or produced by a builder.
/// For undirected graphs the order of `source` and `target` carries no meaning.
public struct WeightedEdge: Equatable, Sendable {
    public var source: Int
    public var target: Int
    public var weight: Double

    public init(_ source: Int, _ target: Int, _ weight: Double = 1) {
        self.source = source
        self.target = target
        self.weight = weight
    }
}

/// A graph as a list of edges over nodes `0..<nodeCount`, before it is checked and compressed
/// into a `WeightedGraph`. `lines[k]`, when present, is the 1-based line of the file that edge
/// `k` came from, so that later checks can name it.
public struct EdgeList: Equatable, Sendable {
    public var nodeCount: Int
    public var edges: [WeightedEdge]
    public var lines: [Int]?

    public init(nodeCount: Int, edges: [WeightedEdge], lines: [Int]? = nil) {
        self.nodeCount = nodeCount
        self.edges = edges
        self.lines = lines
    }
}
