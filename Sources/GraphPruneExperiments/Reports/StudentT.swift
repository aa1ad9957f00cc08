import Foundation

/// Student's t-distribution with ν > 0 degrees of freedom: the distribution of
/// `(mean − μ) / (s / √n)` for n normal samples (ν = n − 1), which gives the confidence
/// intervals and paired comparisons of the reports (`SummaryStatistics.confidenceInterval`,
/// `PairedComparison`).
///
/// Density `f(t) = Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(−(ν+1)/2)`. For t ≥ 0 the upper tail is
/// ```
/// P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½)          (used when t² ≥ ν)
///          = ½ (1 − I_{t²/(ν+t²)}(½, ν/2))   (used when t² < ν, no cancellation near ½)
/// ```
/// with `I` the regularized incomplete beta function (`RegularizedIncompleteBeta`). The
/// quantile inverts the monotone tail by bisection over the ordered bit patterns of the
/// non-negative doubles (at most 64 steps), so it is as accurate as the tail itself.
///
/// Examples: `quantile(0.975, degreesOfFreedom: 2)` = 4.302652729…,
/// `quantile(0.975, degreesOfFreedom: 1)` = tan(0.475π) = 12.706204736….
public enum StudentT {
    /// `P(T > t)`.
    /// - Precondition: `degreesOfFreedom > 0`; `t` is not NaN.
    public static func upperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0 && nu.isFinite, "Student's t needs positive, finite degrees of freedom")
        precondition(!t.isNaN, "Student's t distribution of NaN")
        if t < 0 { return 1 - upperTail(-t, degreesOfFreedom: nu) }
        if t.isInfinite { return 0 }
        let t2 = t * t
        if t2 >= nu {
            return 0.5 * RegularizedIncompleteBeta.value(x: nu / (nu + t2), a: nu / 2, b: 0.5)
        }
        return 0.5 * (1 - RegularizedIncompleteBeta.value(x: t2 / (nu + t2), a: 0.5, b: nu / 2))
    }

    /// `P(T ≤ t)`.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        t < 0 ? upperTail(-t, degreesOfFreedom: nu) : 1 - upperTail(t, degreesOfFreedom: nu)
    }

    /// The t with `P(T ≤ t) = p`, for 0 < p < 1.
    /// - Precondition: `0 < p < 1`, `degreesOfFreedom > 0`.
    /// - Complexity: at most 64 evaluations of the tail.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1, "a quantile needs a probability strictly between 0 and 1")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        let tail = 1 - p  // exact for p ≥ ½ (Sterbenz)
        // Find the smallest t ≥ 0 with upperTail(t) ≤ tail; non-negative doubles are ordered as
        // their bit patterns.
        var low: UInt64 = 0  // upperTail(0) = ½ > tail
        var high = Double.greatestFiniteMagnitude.bitPattern
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if upperTail(Double(bitPattern: middle), degreesOfFreedom: nu) > tail { low = middle } else { high = middle }
        }
        return Double(bitPattern: high)
    }
}
