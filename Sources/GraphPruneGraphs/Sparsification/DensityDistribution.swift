import GraphPruneNumerics

/// How one overall density `d` is spread over the layers of a network (as RigL's code computes
/// it, Evci et al. 2020, and Mocanu et al. 2018 for Erdős–Rényi):
///
/// - `uniform`: every layer keeps `d` of its connections.
/// - `er` (Erdős–Rényi): layer `l` keeps `d_l = ε · (n_out + n_in) / (n_out · n_in)` of its
///   connections, `n_out × n_in` its units (a convolution's filters and input channels);
/// - `erk` (Erdős–Rényi-Kernel): the same with the kernel's extents too,
///   `d_l = ε · (n_out + n_in + k_h + k_w) / (n_out · n_in · k_h · k_w)` (ER for Dense layers).
///
/// `ε` is the one value for which the layers keep `d · Σ_l m_l` connections in total
/// (`m_l` = the layer's candidate connections): `ε = (d · Σ m_l − Σ_dense m_l) / Σ_rest r_l m_l`
/// with `r_l` the layer's raw ratio above. A layer whose `ε r_l` would exceed 1 becomes dense
/// (`d_l = 1`) — every layer with the largest `r_l` at once, as RigL does — and `ε` is solved
/// again for the others, until none exceeds 1. Each layer then keeps `round(d_l · m_l)`, so the
/// total can differ from `d · Σ m_l` by the rounding, at most half a connection per layer.
public enum DensityDistribution: String, CaseIterable, Codable, Sendable {
    case uniform, er, erk

    /// Per-layer densities for layers of PyTorch weight shapes `shapes` (`[out, in]` for Dense,
    /// `[filters, channels, k_h, k_w]` for a convolution) with `counts[l]` candidate connections.
    /// - Throws: `NumericalError.invalidInput` for a density outside (0, 1], mismatched lists,
    ///   or a shape that is not 2-D or 4-D with positive extents.
    /// - Complexity: O(L²) for L layers (at most L rounds of O(L)).
    public func densities(shapes: [[Int]], counts: [Int], density: Double) throws -> [Double] {
        guard density > 0 && density <= 1 else { throw NumericalError.invalidInput("density \(density) is outside (0, 1]") }
        guard shapes.count == counts.count else {
            throw NumericalError.invalidInput("\(shapes.count) layer shapes for \(counts.count) connection counts")
        }
        for shape in shapes where !((shape.count == 2 || shape.count == 4) && shape.allSatisfy { $0 > 0 }) {
            throw NumericalError.invalidInput("layer shape \(shape) is not [out, in] or [out, in, kh, kw] with positive extents")
        }
        if self == .uniform { return shapes.map { _ in density } }
        let raw = shapes.map { shape -> Double in
            let dims = self == .er ? Array(shape.prefix(2)) : shape
            return Double(dims.reduce(0, +)) / dims.map(Double.init).reduce(1, *)
        }
        let total = Double(counts.reduce(0, +))
        var dense = Set<Int>()
        while true {
            let rest = raw.indices.filter { !dense.contains($0) }
            let keptDense = dense.reduce(0.0) { $0 + Double(counts[$1]) }
            let divisor = rest.reduce(0.0) { $0 + raw[$1] * Double(counts[$1]) }
            guard !rest.isEmpty, divisor > 0 else { return shapes.map { _ in 1 } }
            let epsilon = (density * total - keptDense) / divisor
            let largest = rest.map { raw[$0] }.max()!
            if epsilon * largest <= 1 {
                return raw.indices.map { dense.contains($0) ? 1 : max(0, epsilon * raw[$0]) }
            }
            for l in rest where raw[l] == largest { dense.insert(l) }
        }
    }
}
