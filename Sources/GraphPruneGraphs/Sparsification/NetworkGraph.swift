import GraphPruneNumerics

/// The graph of a whole network for global sparsification: each layer's bipartite graph
/// (edge weights = scores, layers out × in), sharing neurons between consecutive layers when
/// they chain (`layers[l+1].columns == layers[l].rows`, an MLP), else joined as a disjoint union
/// (e.g. unfolded convolutions, whose unfolded inputs are not the previous layer's channels).
struct NetworkGraph {
    let graph: WeightedGraph
    /// Node id of input `i` of layer `l` is `inputOffsets[l] + i`; of output `j`, `outputOffsets[l] + j`.
    let inputOffsets: [Int]
    let outputOffsets: [Int]

    init(scores: [Matrix<Double>]) throws {
        let chains = scores.indices.dropFirst().allSatisfy { scores[$0].columns == scores[$0 - 1].rows }
        if chains {
            let layered = try LayeredGraph(edgeWeights: scores, weighting: .absolute)
            graph = layered.graph
            inputOffsets = scores.indices.map { layered.blockOffsets[$0] }
            outputOffsets = scores.indices.map { layered.blockOffsets[$0 + 1] }
        } else {
            var parts = [WeightedGraph](), inputs = [Int](), outputs = [Int]()
            var offset = 0
            for s in scores {
                parts.append(try LayeredGraph(edgeWeights: [s], weighting: .absolute).graph)
                inputs.append(offset)
                outputs.append(offset + s.columns)
                offset += s.columns + s.rows
            }
            graph = WeightedGraph.disjointUnion(parts)
            inputOffsets = inputs
            outputOffsets = outputs
        }
    }

    /// The entry of a per-stored-edge array (`values` aligned with `graph.adjacency`) for the
    /// weight at row-major `index` of layer `layer` (`columns` inputs). O(log degree).
    func value(_ values: [Double], layer: Int, index: Int, columns: Int) -> Double {
        let u = inputOffsets[layer] + index % columns, v = outputOffsets[layer] + index / columns
        let a = graph.adjacency
        var lo = a.rowStarts[u], hi = a.rowStarts[u + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(a.columnIndices[mid]) < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.rowStarts[u + 1] && Int(a.columnIndices[lo]) == v ? values[lo] : 0
    }
}

extension WeightedGraph {
    /// The disjoint union, node ids of `parts[k]` shifted by the sizes of the parts before it.
    public static func disjointUnion(_ parts: [WeightedGraph]) -> WeightedGraph {
        var starts = [0], columns = [Int32](), values = [Double]()
        var offset = 0
        for part in parts {
            let a = part.adjacency
            for u in 0..<part.nodeCount {
                for k in a.rowStarts[u]..<a.rowStarts[u + 1] {
                    columns.append(a.columnIndices[k] + Int32(offset))
                    values.append(a.values[k])
                }
                starts.append(columns.count)
            }
            offset += part.nodeCount
        }
        return WeightedGraph(adjacency: CSRMatrix(rows: offset, columns: offset, rowStarts: starts, columnIndices: columns, values: values))
    }
}
