import Foundation

/// How data values map to positions along an axis.
public enum AxisScale: String, Sendable, CaseIterable {
    /// Position proportional to the value.
    case linear
    /// Position proportional to `log10(value)`; only positive values can be shown.
    case logarithmic
}

/// One tick mark: its data value and the label printed next to it.
public struct PlotTick: Equatable, Sendable {
    public let value: Double
    public let label: String
}

/// A numeric axis: the shown interval `[lower, upper]`, its scale, and "nice" ticks.
///
/// Linear axes step by `m · 10^e` with `m ∈ {1, 2, 5}`, the smallest such step that gives at
/// most about six intervals; the interval is widened outward to whole steps, so both ends
/// carry a tick. Tick values are `k · step` for integers k (not accumulated sums) and labels
/// use `max(0, −e)` decimals, so they read `0.2, 0.4, 0.6`, never `0.6000000000000001`.
///
/// Logarithmic axes widen the interval outward to values `m · 10^e`, `m ∈ {1, 2, 5}`. Ticks sit
/// at every such value when the axis spans at most 2.5 decades (densities 1 %…50 % get
/// `0.01 0.02 0.05 0.1 0.2 0.5`), at powers of ten otherwise (every k-th power beyond 8
/// decades). A value v sits at the fraction `(log10 v − log10 lower) / (log10 upper − log10 lower)`
/// of the axis.
///
/// A degenerate range (one value, or all values equal) is padded: linear by 10 % of |v| on
/// each side (±1 around 0), logarithmic to the neighbouring 1-2-5 values.
public struct PlotAxis: Equatable, Sendable {
    public let scale: AxisScale
    /// Smallest value on the axis.
    public let lower: Double
    /// Largest value on the axis.
    public let upper: Double
    /// Ticks from `lower` to `upper`, increasing.
    public let ticks: [PlotTick]

    /// The axis for data spanning `range` (nil: no data, shown as 0…1 linear, 0.1…1 log).
    /// - Parameters:
    ///   - includeZero: widen the range to contain 0 (bar charts; linear scale only).
    ///   - minimumStep: the smallest tick step on a linear scale (1 for epochs and layer indices,
    ///     so no tick falls between two integers).
    /// - Precondition: `range` is finite, and positive for a logarithmic scale.
    public init(scale: AxisScale, range: ClosedRange<Double>?, includeZero: Bool = false, minimumStep: Double = 0) {
        precondition(!(includeZero && scale == .logarithmic), "a logarithmic axis cannot include zero")
        self.scale = scale
        switch scale {
        case .linear:
            var low = range?.lowerBound ?? 0
            var high = range?.upperBound ?? 1
            precondition(low.isFinite && high.isFinite, "axis range must be finite")
            if includeZero { low = min(low, 0); high = max(high, 0) }
            if high - low <= max(abs(low), abs(high)) * 1e-9 {
                // Equal values (or equal up to rounding): pad around their midpoint.
                low = low / 2 + high / 2
                high = low
                if low == 0 {
                    high = 1
                    if !includeZero { low = -1 }
                } else {
                    let pad = abs(low) * 0.1
                    low -= pad; high += pad
                    if includeZero { low = min(low, 0); high = max(high, 0) }
                }
            }
            let (mantissa, exponent) = Self.niceStep(for: max((high - low) / 6, minimumStep))
            let step = Self.value(mantissa, exponent)
            let first = (low / step + 1e-9).rounded(.down)
            let last = (high / step - 1e-9).rounded(.up)
            let decimals = max(0, -exponent)
            lower = first * step
            upper = last * step
            ticks = stride(from: first, through: last, by: 1).map { k in
                PlotTick(value: k * step, label: Self.label(k * step, decimals: decimals))
            }
        case .logarithmic:
            let low = range?.lowerBound ?? 0.1
            let high = range?.upperBound ?? 1
            precondition(low > 0 && high.isFinite, "a logarithmic axis needs a finite positive range")
            var bottom = Self.niceValue(atMost: low)
            var top = Self.niceValue(atLeast: high)
            if Self.value(bottom.mantissa, bottom.exponent) >= Self.value(top.mantissa, top.exponent) {
                bottom = Self.step(bottom, by: -1)
                top = Self.step(top, by: 1)
            }
            lower = Self.value(bottom.mantissa, bottom.exponent)
            upper = Self.value(top.mantissa, top.exponent)
            let decades = log10(upper / lower)
            var marks = [(mantissa: Double, exponent: Int)]()
            if decades <= 2.5 {
                var mark = (mantissa: bottom.mantissa, exponent: bottom.exponent)
                while Self.value(mark.mantissa, mark.exponent) <= upper * (1 + 1e-12) {
                    marks.append(mark)
                    mark = Self.step(mark, by: 1)
                }
            } else {
                let every = max(1, Int((decades / 8).rounded(.up)))
                let firstPower = Int(log10(lower).rounded(.up))
                let lastPower = Int(log10(upper).rounded(.down))
                for e in stride(from: firstPower, through: lastPower, by: every) { marks.append((1, e)) }
            }
            ticks = marks.map { mark in
                PlotTick(value: Self.value(mark.mantissa, mark.exponent), label: Self.logLabel(mark.mantissa, mark.exponent))
            }
        }
    }

    /// Where `value` lies along the axis: 0 at `lower`, 1 at `upper` (outside for values beyond).
    /// - Precondition: `value` is finite, and positive on a logarithmic axis.
    public func fraction(of value: Double) -> Double {
        precondition(value.isFinite, "cannot place a non-finite value on an axis")
        switch scale {
        case .linear:
            return (value - lower) / (upper - lower)
        case .logarithmic:
            precondition(value > 0, "cannot place a non-positive value on a logarithmic axis")
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    /// Whether `value` can be drawn on this axis: finite and at most 1e300 in magnitude (so
    /// that spans cannot overflow), and at least 1e-300 on a logarithmic axis.
    public static func canShow(_ value: Double, on scale: AxisScale) -> Bool {
        value.isFinite && abs(value) <= 1e300 && (scale == .linear || value >= 1e-300)
    }

    // MARK: 1-2-5 arithmetic

    /// `mantissa · 10^exponent`, correctly rounded (division for negative exponents, so that
    /// 5 · 10⁻² is the double nearest 0.05).
    static func value(_ mantissa: Double, _ exponent: Int) -> Double {
        exponent >= 0 ? mantissa * pow(10, Double(exponent)) : mantissa / pow(10, Double(-exponent))
    }

    /// The smallest `m · 10^e ≥ raw`, `m ∈ {1, 2, 5}`.
    static func niceStep(for raw: Double) -> (mantissa: Double, exponent: Int) {
        precondition(raw > 0 && raw.isFinite, "tick step must be positive and finite")
        let candidate = niceValue(atMost: raw)
        return value(candidate.mantissa, candidate.exponent) >= raw * (1 - 1e-12) ? candidate : step(candidate, by: 1)
    }

    /// The largest `m · 10^e ≤ x` (within a relative 1e-12), `m ∈ {1, 2, 5}`.
    static func niceValue(atMost x: Double) -> (mantissa: Double, exponent: Int) {
        let exponent = Int(log10(x).rounded(.down))
        var mark = (mantissa: 5.0, exponent: exponent + 1)
        while value(mark.mantissa, mark.exponent) > x * (1 + 1e-12) { mark = step(mark, by: -1) }
        return mark
    }

    /// The smallest `m · 10^e ≥ x` (within a relative 1e-12), `m ∈ {1, 2, 5}`.
    static func niceValue(atLeast x: Double) -> (mantissa: Double, exponent: Int) {
        let below = niceValue(atMost: x)
        return value(below.mantissa, below.exponent) >= x * (1 - 1e-12) ? below : step(below, by: 1)
    }

    /// The next (`by: 1`) or previous (`by: -1`) value in the sequence …, 0.5, 1, 2, 5, 10, ….
    static func step(_ mark: (mantissa: Double, exponent: Int), by direction: Int) -> (mantissa: Double, exponent: Int) {
        switch (mark.mantissa, direction > 0) {
        case (1, true): return (2, mark.exponent)
        case (2, true): return (5, mark.exponent)
        case (5, true): return (1, mark.exponent + 1)
        case (1, false): return (5, mark.exponent - 1)
        case (2, false): return (1, mark.exponent)
        default: return (2, mark.exponent)
        }
    }

    /// `value` with `decimals` places; never `-0`.
    static func label(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return text.allSatisfy { "-0.".contains($0) } && text.hasPrefix("-") ? String(text.dropFirst()) : text
    }

    /// `m · 10^e` as a plain decimal (`0.05`, `200`), or `5e-7` / `2e9` beyond six digits.
    static func logLabel(_ mantissa: Double, _ exponent: Int) -> String {
        if abs(exponent) > 6 { return "\(Int(mantissa))e\(exponent)" }
        return label(value(mantissa, exponent), decimals: max(0, -exponent))
    }
}
