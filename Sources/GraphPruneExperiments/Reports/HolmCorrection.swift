/// Holm's step-down adjustment of m p-values for testing them together (Holm 1979): with the
/// p-values sorted ascending, `p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) p₍ⱼ₎)`. Rejecting every
/// hypothesis with `p̃ ≤ α` keeps the chance of any false rejection among the m at most α,
/// whatever their dependence — uniformly more powerful than Bonferroni's `m·p`.
///
/// Example: `[0.01, 0.04, 0.03]` → `[0.03, 0.06, 0.06]`.
/// - Complexity: O(m log m).
public enum HolmCorrection {
    /// The adjusted p-values, in the order of `pValues`.
    /// - Precondition: every value lies in [0, 1].
    public static func adjust(_ pValues: [Double]) -> [Double] {
        precondition(pValues.allSatisfy { $0 >= 0 && $0 <= 1 }, "p-values lie in [0, 1]")
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
