import Foundation

/// Doubles as text that reads back to the same value.
public enum DecimalText {
    /// `%.17g` — seventeen significant digits, enough to read the same `Double` back — with NaN
    /// and infinities spelled `nan`, `inf`, `-inf` on every platform. Formatted by C's
    /// `vsnprintf` into a stack buffer: `String(format:)` costs about a microsecond more per
    /// number through Foundation, which dominated writing a CSV of millions of scores.
    public static func fullPrecision(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // The longest %.17g text is 24 characters (-1.2345678901234567e-308).
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, 32, "%.17g", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
