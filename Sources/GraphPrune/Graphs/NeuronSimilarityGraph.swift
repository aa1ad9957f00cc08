/// The neuron-similarity graph of one layer (paper 002, eq. 1–3).
///
/// Input: the layer's weights with **one row per neuron** (`n × d`, PyTorch `nn.Linear`
/// orientation: row `i` is neuron `i`'s incoming weight vector `w_i`).
///
/// 1. `ŵ_i = w_i / (‖w_i‖₂ + 1e-8)` (the paper's normalisation, so a zero row stays zero);
/// 2. `S = Ŵ Ŵᵀ`, the cosine similarities, by **one** `?syrk` (upper triangle only);
/// 3. an undirected edge `i–j` (`i < j`) of weight `S_ij` iff `S_ij > τ` (strict), no self loops;
///    every neuron is a node, so neurons similar to no other stay in the graph, isolated.
///
/// The threshold test compares `S_ij` as stored (Float for a Float layer) with `τ` in Double.
///
/// - Complexity: O(n² d / 2) flops in BLAS for the similarities, then one O(n²) pass over the
///   upper triangle that writes the CSR adjacency directly (two passes: count, then fill).
public enum NeuronSimilarityGraph {
    /// The normalisation constant of paper 002.
    public static let epsilon = 1e-8

    /// The cosine-similarity matrix `S` (`n × n`, only the upper triangle `j ≥ i` written).
    public static func similarities<S: BLASScalar>(neurons: Matrix<S>) -> Matrix<S> {
        var normalized = neurons
        normalized.normalizeRows(epsilon: S(epsilon))
        return normalized.gram(symmetrized: false)
    }

    /// Builds the thresholded similarity graph.
    public static func build<S: BLASScalar>(neurons: Matrix<S>, tau: Double) -> WeightedGraph {
        let similarity = similarities(neurons: neurons)
        return graph(upperSimilarities: similarity, tau: tau)
    }

    /// The graph of an upper-triangular similarity matrix thresholded at `τ`.
    static func graph<S: BLASScalar>(upperSimilarities s: Matrix<S>, tau: Double) -> WeightedGraph {
        let n = s.rows
        var degreeCount = [Int](repeating: 0, count: n + 1)
        s.elements.withUnsafeBufferPointer { sp in
            degreeCount.withUnsafeMutableBufferPointer { cnt in
                for i in 0..<n {
                    let row = i * n
                    var own = 0
                    for j in (i + 1)..<n where Double(sp[row + j]) > tau {
                        own += 1
                        cnt[j + 1] += 1
                    }
                    cnt[i + 1] += own
                }
            }
        }
        for i in 0..<n { degreeCount[i + 1] += degreeCount[i] }
        let stored = degreeCount[n]
        var cols = [Int32](repeating: 0, count: stored)
        var vals = [Double](repeating: 0, count: stored)
        var next = Array(degreeCount.prefix(n))
        s.elements.withUnsafeBufferPointer { sp in
            cols.withUnsafeMutableBufferPointer { cp in
                vals.withUnsafeMutableBufferPointer { vp in
                    next.withUnsafeMutableBufferPointer { nx in
                        // Row i receives its lower neighbours (j < i) while rows j are scanned,
                        // then its upper ones: columns come out sorted without a sort.
                        for i in 0..<n {
                            let row = i * n
                            for j in (i + 1)..<n {
                                let w = Double(sp[row + j])
                                if w > tau {
                                    cp[nx[i]] = Int32(j); vp[nx[i]] = w; nx[i] += 1
                                    cp[nx[j]] = Int32(i); vp[nx[j]] = w; nx[j] += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return WeightedGraph(adjacency: CSRMatrix(
            rows: n, columns: n, rowStarts: degreeCount, columnIndices: cols, values: vals))
    }
}
