/// A paired comparison of a configuration with its control over the same seeds: the per-seed
/// differences `dᵢ = xᵢ − cᵢ` (the run of seed i minus the control's run of seed i), their mean,
/// the Student-t confidence interval of the mean difference and the two-sided paired t-test.
///
/// ```
/// d̄ = (1/n) Σ dᵢ,   s = sqrt(Σ (dᵢ − d̄)² / (n − 1)),   T = d̄ / (s / √n),   p = 2 P(T_{n−1} > |T|)
/// interval: d̄ ± t_{(1+level)/2, n−1} · s / √n
/// ```
/// Pairing removes what the seeds share (the same initial weights, data order and test set),
/// so a difference smaller than either configuration's own spread can still be significant; an
/// interval that excludes 0 is the statement "differs from the control at level 1 − `level`".
/// With zero spread the interval is `[d̄, d̄]` and p is 0 (d̄ ≠ 0) or 1 (d̄ = 0); with one pair
/// there is neither an interval nor a p-value. NaN and ±∞ differences are left out (see
/// `SummaryStatistics`).
public struct PairedComparison: Equatable, Sendable {
    /// The statistics of the differences (mean = d̄, count = number of pairs).
    public let differences: SummaryStatistics
    /// `pValue` adjusted for the other comparisons of its table (`HolmCorrection`), when the
    /// table asks for a correction; the cell then shows it instead of `pValue`.
    public var adjustedPValue: Double? = nil

    /// Compares the pairs `(value, control)`; `nil` when no difference is finite.
    public init?(_ pairs: [(value: Double, control: Double)]) {
        guard let differences = SummaryStatistics(pairs.map { $0.value - $0.control }) else { return nil }
        self.differences = differences
    }

    /// The confidence interval of the mean difference at `level` (nil for one pair).
    public func interval(level: Double) -> ClosedRange<Double>? {
        differences.confidenceInterval(level: level)
    }

    /// The two-sided p-value of the paired t-test of "mean difference = 0" (nil for one pair).
    public var pValue: Double? {
        guard differences.count > 1 else { return nil }
        let error = differences.standardError
        guard error > 0 else { return differences.mean == 0 ? 1 : 0 }
        let t = abs(differences.mean) / error
        return min(1, 2 * StudentT.upperTail(t, degreesOfFreedom: Double(differences.count - 1)))
    }
}
