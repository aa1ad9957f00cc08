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
/// - Complexity: O(n² d / 2) flops in BLAS for the similarities, then three O(n²) passes
///   (mirror, count, fill) that write the CSR adjacency directly, split across cores.
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
        var similarity = similarities(neurons: neurons)
        return graph(upperSimilarities: &similarity, tau: tau)
    }

    /// The graph of an upper-triangular similarity matrix thresholded at `τ`.
    ///
    /// Three passes over the `n × n` storage, each split across cores by rows (every row is
    /// written by one thread, so the result does not depend on the thread count):
    /// mirror the upper triangle into the lower one (cache-blocked), count each row's entries
    /// `> τ`, then write each row's CSR entries in column order from one sequential scan.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func graph<S: BLASScalar>(upperSimilarities s: inout Matrix<S>, tau: Double) -> WeightedGraph {
        let n = s.rows
        let block = 64
        s.elements.withUnsafeMutableBufferPointer { sp in
            let base = sp.baseAddress!
            forEachChunk(of: (n + block - 1) / block, minimumChunk: 1) { blocks in
                for bi in blocks {
                    let rowRange = (bi * block)..<min(n, (bi + 1) * block)
                    for bj in 0...bi {
                        let columnRange = (bj * block)..<min(n, (bj + 1) * block)
                        for i in rowRange {
                            for j in columnRange where j < i { base[i * n + j] = base[j * n + i] }
                        }
                    }
                }
            }
        }
        let threshold = tau
        var counts = [Int](repeating: 0, count: n)
        s.elements.withUnsafeBufferPointer { sp in
            counts.withUnsafeMutableBufferPointer { cp in
                let base = sp.baseAddress!, counts = cp.baseAddress!
                forEachChunk(of: n, minimumChunk: 64) { rows in
                    for i in rows {
                        let row = base + i * n
                        var c = 0
                        for j in 0..<n { c &+= Double(row[j]) > threshold ? 1 : 0 }
                        // The diagonal (≈ 1, or 0 for a dead neuron) is no edge.
                        counts[i] = c - (Double(row[i]) > threshold ? 1 : 0)
                    }
                }
            }
        }
        var starts = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { starts[i + 1] = starts[i] + counts[i] }
        var columns = [Int32](repeating: 0, count: starts[n])
        var values = [Double](repeating: 0, count: starts[n])
        s.elements.withUnsafeBufferPointer { sp in
            starts.withUnsafeBufferPointer { st in
                columns.withUnsafeMutableBufferPointer { cp in
                    values.withUnsafeMutableBufferPointer { vp in
                        let base = sp.baseAddress!, cols = cp.baseAddress, vals = vp.baseAddress
                        forEachChunk(of: n, minimumChunk: 64) { rows in
                            for i in rows {
                                let row = base + i * n
                                var k = st[i]
                                for j in 0..<n where j != i {
                                    let w = Double(row[j])
                                    if w > threshold { cols![k] = Int32(j); vals![k] = w; k += 1 }
                                }
                            }
                        }
                    }
                }
            }
        }
        return WeightedGraph(adjacency: CSRMatrix(
            rows: n, columns: n, rowStarts: starts, columnIndices: columns, values: values))
    }
}
