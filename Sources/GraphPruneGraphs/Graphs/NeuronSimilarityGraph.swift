import GraphPruneNumerics

/// The neuron-similarity graph of one layer (paper 002, eq. 1–3).
///
/// Input: the layer's weights with **one row per neuron** (`n × d`, PyTorch `nn.Linear`
/// orientation: row `i` is neuron `i`'s incoming weight vector `w_i`).
///
/// 1. `ŵ_i = w_i / (‖w_i‖₂ + 1e-8)` (the paper's normalisation, so a zero row stays zero);
/// 2. `S = Ŵ Ŵᵀ`, the cosine similarities;
/// 3. an undirected edge `i–j` (`i < j`) of weight `S_ij` iff `S_ij > τ` (strict), no self loops;
///    every neuron is a node, so neurons similar to no other stay in the graph, isolated.
///    A similarity of exactly 0 (a dead neuron's, with τ < 0) is no edge: a graph stores no
///    zero weights.
///
/// `build` never holds the `n × n` matrix nor a normalised copy of the layer. It computes the
/// upper triangle of the Gram matrix `G = W Wᵀ` in horizontal tiles of `tileRows` rows — the
/// diagonal block by `?syrk`, the rest of the tile by `?gemm`, exactly the flops of one `syrk` —
/// and thresholds each tile while it is in cache as `S_ij = (G_ij · s_i) · s_j` with
/// `s_i = 1 / (‖w_i‖₂ + 1e-8)`: the same quantity as `ŵ_i · ŵ_j`, rounded in a different order
/// (within a few ulps of the layer's precision). The threshold test is exact: `S_ij` as computed
/// (Float for a Float layer) is compared with `τ` as a Double.
///
/// - Complexity: O(n² d / 2) flops in BLAS, O(n²) comparisons, O(n + m) memory for the graph
///   plus one `tileRows × n` tile.
public enum NeuronSimilarityGraph {
    /// The normalisation constant of paper 002.
    public static let epsilon = 1e-8

    /// The full cosine-similarity matrix `S = Ŵ Ŵᵀ` (`n × n`, symmetric), for inspection.
    public static func similarities<S: BLASScalar>(neurons: Matrix<S>) -> Matrix<S> {
        var normalized = neurons
        normalized.normalizeRows(epsilon: S(epsilon))
        return normalized.gram(symmetrized: true)
    }

    /// Builds the thresholded similarity graph.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func build<S: BLASScalar>(neurons: Matrix<S>, tau: Double, tileRows: Int = 256) -> WeightedGraph {
        precondition(tileRows > 0, "tileRows must be positive")
        let n = neurons.rows
        let scales = neurons.rowNorms().map { 1 / ($0 + S(epsilon)) }
        // x > floor_S(τ) ⟺ Double(x) > τ for every x of type S.
        let threshold: S = Double(S(tau)) <= tau ? S(tau) : S(tau).nextDown
        var upper = UpperTriangleEdges(nodeCount: n)
        var tile = [S](repeating: 0, count: min(tileRows, n) * n)
        for start in stride(from: 0, to: n, by: tileRows) {
            let rows = min(tileRows, n - start), width = n - start
            if neurons.columns > 0 { gramTile(neurons, start: start, rows: rows, into: &tile) }
            tile.withUnsafeBufferPointer { t in
                scales.withUnsafeBufferPointer { sc in
                    let t = t.baseAddress!, sc = sc.baseAddress! + start
                    // Row r of the tile holds G[start + r, start + c] for c > r.
                    let counts = (0..<rows).map { r in
                        let row = t + r * width, si = sc[r]
                        var count = 0
                        for c in (r + 1)..<max(width, r + 1) {
                            let s = row[c] * si * sc[c]
                            count &+= s > threshold && s != 0 ? 1 : 0
                        }
                        return count
                    }
                    upper.appendRows(counts: counts) { r, columns, values in
                        let row = t + r * width, si = sc[r]
                        var k = 0
                        for c in (r + 1)..<max(width, r + 1) {
                            let s = row[c] * si * sc[c]
                            if s > threshold && s != 0 { columns[k] = Int32(start + c); values[k] = Double(s); k += 1 }
                        }
                    }
                }
            }
        }
        return upper.symmetricGraph()
    }

    /// Rows `start..<start+rows` of the upper triangle of `G = W Wᵀ`, columns `start..<n`, into
    /// `tile` (row-major, leading dimension `n − start`): `?syrk` for the diagonal block,
    /// `?gemm` for the block to its right. Entries left of the diagonal are not written.
    private static func gramTile<S: BLASScalar>(
        _ w: Matrix<S>, start: Int, rows: Int, into tile: inout [S]
    ) {
        let n = w.rows, d = w.columns, width = n - start
        w.elements.withUnsafeBufferPointer { a in
            tile.withUnsafeMutableBufferPointer { c in
                let block = a.baseAddress! + start * d
                S.syrkUpper(transpose: false, n: rows, k: d, alpha: 1, a: block, lda: d, beta: 0, c: c.baseAddress!, ldc: width)
                if width > rows {
                    S.gemm(
                        transposeA: false, transposeB: true, m: rows, n: width - rows, k: d, alpha: 1,
                        a: block, lda: d, b: block + rows * d, ldb: d, beta: 0,
                        c: c.baseAddress! + rows, ldc: width)
                }
            }
        }
    }
}
