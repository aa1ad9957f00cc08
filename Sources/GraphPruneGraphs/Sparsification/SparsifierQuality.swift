import GraphPruneNumerics

/// How well a sparsified graph `H` preserves the Laplacian quadratic form of `G`:
/// the range of `xᵀ L_H x / xᵀ L_G x` over random test vectors `x ⊥ 1`. For an
/// ε-spectral sparsifier every ratio lies in `[1 − ε, 1 + ε]`, so the range is the ε actually
/// achieved on those vectors. (A pruning mask without reweighting keeps only part of the weight,
/// so its ratios sit near the kept share of the weight instead of near 1.)
///
/// Both graphs are given as layers' edge weights laid out alike (`W`, out × in, 0 = no edge).
/// With `x` split into inputs `a` and outputs `b`, `xᵀ L x = Σ_ji W_ji (a_i − b_j)²
/// = Σ_i d_i a_i² + Σ_j e_j b_j² − 2 bᵀ W a` (`d`, `e` the column and row sums of `W`): all test
/// vectors at once take one `gemm`, O(vectors · n₁ n₂) flops in BLAS.
public struct QuadraticFormRange: Equatable, Sendable {
    public let minimum: Double
    public let maximum: Double

    /// `vectors` Gaussian test vectors from `SplitMix64(seed)`, centred to sum 0.
    public init(original g: Matrix<Double>, sparsified h: Matrix<Double>, vectors: Int = 16, seed: UInt64 = 0) {
        precondition(g.rows == h.rows && g.columns == h.columns, "layers of different shapes")
        let outputs = g.rows, inputs = g.columns, n = inputs + outputs, count = max(1, vectors)
        var generator = SplitMix64(seed: seed)
        var gaussian = GaussianSampler()
        // Row-major n × count: rows 0..<inputs are the inputs' entries, the rest the outputs'.
        var x = Matrix<Double>(rows: n, columns: count)
        for v in 0..<count {
            var column = (0..<n).map { _ in gaussian.next(using: &generator) }
            let mean = column.reduce(0, +) / Double(n)
            column = column.map { $0 - mean }
            for i in 0..<n { x[i, v] = column[i] }
        }
        let a = Matrix(rows: inputs, columns: count, elements: Array(x.elements[0..<(inputs * count)]))
        let b = Matrix(rows: outputs, columns: count, elements: Array(x.elements[(inputs * count)...]))
        let qg = Self.forms(g, inputs: a, outputs: b), qh = Self.forms(h, inputs: a, outputs: b)
        let ratios = zip(qh, qg).compactMap { $1 > 0 ? $0 / $1 : nil }
        minimum = ratios.min() ?? 0
        maximum = ratios.max() ?? 0
    }

    /// `xᵀ L x` of the layer `w` (out × in) for every column `v` of the test vectors, split into
    /// their input part `a` (in × V) and output part `b` (out × V).
    static func forms(_ w: Matrix<Double>, inputs a: Matrix<Double>, outputs b: Matrix<Double>) -> [Double] {
        let wa = w.multiplied(by: a)  // out × V
        let columnSums = w.applied(to: [Double](repeating: 1, count: w.rows), transposing: true)
        let rowSums = w.applied(to: [Double](repeating: 1, count: w.columns))
        return (0..<a.columns).map { v in
            var q = 0.0
            for i in 0..<w.columns { q += columnSums[i] * a[i, v] * a[i, v] }
            for j in 0..<w.rows { q += rowSums[j] * b[j, v] * b[j, v] - 2 * b[j, v] * wa[j, v] }
            return q
        }
    }
}

