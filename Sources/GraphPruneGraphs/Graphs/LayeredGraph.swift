import GraphPruneNumerics

/// The graph of a chain of fully connected (or masked) layers: every neuron is a node and every
/// nonzero weight an undirected edge between consecutive blocks of nodes.
///
/// `layers[l]` is layer `l`'s weight matrix **out × in** (PyTorch `nn.Linear`: row `j` holds the
/// incoming weights of output neuron `j`); `layers[l].columns` must equal `layers[l-1].rows`.
/// Nodes are numbered block by block in forward order: block 0 = the inputs of layer 0
/// (`layers[0].columns` nodes), block `l + 1` = the outputs of layer `l`. Every edge therefore
/// runs from a lower id (its source neuron) to a higher id (its target neuron).
///
/// - Paper 004 (one layer): the layer's bipartite graph, edge weight = an edge score (|w| by
///   default).
/// - Paper 003 (several layers): the whole-network graph that CenSET scores.
///
/// Zero weights (pruned or masked connections) are not edges.
/// - Complexity: O(Σ in_l · out_l) for the scan, O(n + m) memory.
public struct LayeredGraph: Sendable {
    /// How a weight becomes an edge weight.
    public enum EdgeWeighting: String, Sendable, CaseIterable {
        /// `|w|` (paper 004's magnitude score; CenSET's graph with absolute weights).
        case absolute
        /// `w` as is (CenSET's original code keeps the signs).
        case signed
    }

    /// Nodes per block: `[in₀, out₀, out₁, …]`.
    public let blockSizes: [Int]
    /// First node id of each block.
    public let blockOffsets: [Int]
    public let graph: WeightedGraph

    /// The graph of the chain `layers` (each out × in), weights mapped by `weighting`.
    public init<S: BLASScalar>(layers: [Matrix<S>], weighting: EdgeWeighting = .absolute) throws {
        try self.init(edgeWeights: layers.map { $0.converted(to: Double.self) }, weighting: weighting)
    }

    /// The graph whose edge weights are given directly per layer (out × in, zero = no edge), e.g.
    /// the scores of an edge scorer. Negative entries are kept with `.signed`.
    public init(edgeWeights layers: [Matrix<Double>], weighting: EdgeWeighting = .signed) throws {
        guard let first = layers.first else {
            throw NumericalError.invalidInput("a layered graph needs at least one layer")
        }
        for l in 1..<max(1, layers.count) where layers[l].columns != layers[l - 1].rows {
            throw NumericalError.invalidInput(
                "layer \(l) has \(layers[l].columns) inputs but layer \(l - 1) has \(layers[l - 1].rows) outputs")
        }
        for (l, layer) in layers.enumerated() {
            if let bad = layer.firstNonFinite() {
                throw NumericalError.invalidInput("layer \(l) weight (\(bad.row), \(bad.column)) is not finite")
            }
        }
        let sizes = [first.columns] + layers.map(\.rows)
        var offsets = [0]
        for s in sizes { offsets.append(offsets.last! + s) }
        let n = offsets.last!
        let map: (Double) -> Double = weighting == .absolute ? { abs($0) } : { $0 }

        // Pass 1: count each node's neighbours.
        var starts = [Int](repeating: 0, count: n + 1)
        for (l, w) in layers.enumerated() {
            let inBase = offsets[l], outBase = offsets[l + 1]
            for j in 0..<w.rows {
                for i in 0..<w.columns where w.elements[j * w.columns + i] != 0 {
                    starts[outBase + j + 1] += 1
                    starts[inBase + i + 1] += 1
                }
            }
        }
        for u in 0..<n { starts[u + 1] += starts[u] }
        var cols = [Int32](repeating: 0, count: starts[n])
        var vals = [Double](repeating: 0, count: starts[n])
        var next = Array(starts.prefix(n))
        // Pass 2: a node's lower neighbours (previous block) come before its upper ones (next
        // block); within a block they are visited in increasing order, so rows come out sorted.
        for (l, w) in layers.enumerated() {
            let inBase = offsets[l], outBase = offsets[l + 1]
            for j in 0..<w.rows {
                for i in 0..<w.columns {
                    let x = w.elements[j * w.columns + i]
                    guard x != 0 else { continue }
                    let value = map(x)
                    cols[next[outBase + j]] = Int32(inBase + i); vals[next[outBase + j]] = value
                    next[outBase + j] += 1
                }
            }
            for i in 0..<w.columns {
                for j in 0..<w.rows {
                    let x = w.elements[j * w.columns + i]
                    guard x != 0 else { continue }
                    cols[next[inBase + i]] = Int32(outBase + j); vals[next[inBase + i]] = map(x)
                    next[inBase + i] += 1
                }
            }
        }
        blockSizes = sizes
        blockOffsets = Array(offsets.prefix(sizes.count))
        graph = WeightedGraph(adjacency: CSRMatrix(
            rows: n, columns: n, rowStarts: starts, columnIndices: cols, values: vals))
    }

    /// The node id of neuron `index` in block `block`.
    public func node(block: Int, index: Int) -> Int { blockOffsets[block] + index }
}
