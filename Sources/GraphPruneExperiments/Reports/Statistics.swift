/// Mean, sample standard deviation, count and range of repeated measurements (e.g. the test
/// accuracy of one configuration over several seeds).
///
/// For the finite values `x₁ … xₙ` of the input:
/// ```
/// mean = (1/n) Σ xᵢ
/// std  = sqrt( Σ (xᵢ − mean)² / (n − 1) )     (Bessel-corrected; 0 when n = 1)
/// ```
/// With a single value the standard deviation is reported as 0 and `count` is 1, so a table
/// cell reads `0.87 ± 0.00 (1)` and the reader sees that there was no spread to measure.
/// NaN and ±∞ never enter the result: they are left out and counted in `excluded`, so every
/// field is finite. The deviation uses two passes (mean first, then squared deviations), which
/// avoids the cancellation of the one-pass `Σx² − n·mean²` formula.
///
/// Example: `SummaryStatistics([1, 2, 4])` has mean 7/3, std sqrt(7/3) ≈ 1.5275, min 1, max 4.
public struct SummaryStatistics: Equatable, Sendable {
    /// Number of finite values summarised (n ≥ 1).
    public let count: Int
    /// Arithmetic mean of the finite values.
    public let mean: Double
    /// Sample standard deviation (divisor n − 1); 0 when `count == 1`.
    public let standardDeviation: Double
    /// Smallest finite value.
    public let minimum: Double
    /// Largest finite value.
    public let maximum: Double
    /// How many input values were NaN or infinite and therefore left out.
    public let excluded: Int

    /// Summarises the finite values of `values`; `nil` when there are none (empty input, or
    /// only NaN/∞).
    /// - Complexity: O(n), two passes.
    public init?<Values: Sequence>(_ values: Values) where Values.Element == Double {
        var finite = [Double]()
        var excluded = 0
        for value in values {
            if value.isFinite { finite.append(value) } else { excluded += 1 }
        }
        guard let first = finite.first else { return nil }
        let n = Double(finite.count)
        var sum = 0.0
        var low = first
        var high = first
        for value in finite {
            sum += value
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        // The mean of finite values can still overflow (e.g. two values near ±1e308); scale.
        var mean = sum / n
        if !mean.isFinite { mean = finite.reduce(0) { $0 + $1 / n } }
        // Deviations are divided by the largest one before squaring so that huge values do
        // not overflow and tiny ones do not underflow.
        let scale = Swift.max(high - mean, mean - low)
        var squares = 0.0
        if scale > 0 && scale.isFinite {
            for value in finite {
                let deviation = (value - mean) / scale
                squares += deviation * deviation
            }
        }
        var deviation = finite.count > 1 && scale > 0 ? scale * (squares / (n - 1)).squareRoot() : 0
        if !deviation.isFinite { deviation = Double.greatestFiniteMagnitude }
        self.count = finite.count
        self.mean = Swift.min(Swift.max(mean, low), high)
        self.standardDeviation = deviation
        self.minimum = low
        self.maximum = high
        self.excluded = excluded
    }

    /// Standard error of the mean, `std / sqrt(n)` (0 when n = 1).
    public var standardError: Double { standardDeviation / Double(count).squareRoot() }

    /// The two-sided Student-t confidence interval of the mean at `level` (0.95 for 95 %):
    /// `mean ± t_{(1+level)/2, n−1} · std / √n`, which covers the true mean with probability
    /// `level` when the values are independent draws from a normal distribution (seeds).
    /// `nil` for a single value (no spread to estimate). With zero spread it is `[mean, mean]`.
    /// - Precondition: `0 < level < 1`.
    public func confidenceInterval(level: Double) -> ClosedRange<Double>? {
        precondition(level > 0 && level < 1, "a confidence level lies strictly between 0 and 1")
        guard count > 1 else { return nil }
        let halfWidth = StudentT.quantile((1 + level) / 2, degreesOfFreedom: Double(count - 1)) * standardError
        return (mean - halfWidth)...(mean + halfWidth)
    }
}
