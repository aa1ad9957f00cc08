/// Per-feature standardisation with the training set's statistics: `x ↦ (x − mean) / std`.
///
/// As in the CenSET code, every feature (every pixel position) gets its own mean and
/// *population* standard deviation (divisor `n`), computed on the training set only and then
/// applied to both training and test sets. A feature that is constant on the training set
/// (std 0, such as a corner pixel that is always black) is divided by 1 instead, so it becomes
/// 0 rather than NaN.
///
/// ```swift
/// var split = try FashionMNIST.load()
/// let standardization = Standardization(fitting: split.train)
/// standardization.apply(to: &split.train)
/// standardization.apply(to: &split.test)
/// ```
public struct Standardization: Sendable, Equatable {
    /// The mean of every feature on the fitted set.
    public var mean: [Float]
    /// The population standard deviation of every feature, 1 where it was 0.
    public var std: [Float]

    /// Given statistics (one entry per feature; traps if the counts differ or a std is ≤ 0).
    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "\(mean.count) means but \(std.count) standard deviations")
        precondition(std.allSatisfy { $0 > 0 }, "a standard deviation is not positive")
        self.mean = mean
        self.std = std
    }

    /// The statistics of `data`: two passes (mean, then squared deviations), summed in `Double`.
    /// An empty set gives mean 0 and std 1.
    /// - Complexity: O(count · features).
    public init(fitting data: LabeledData) {
        let (rows, columns) = (data.features.rows, data.features.columns)
        var sum = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        data.features.elements.withUnsafeBufferPointer { x in
            sum.withUnsafeMutableBufferPointer { s in
                for i in 0..<rows {
                    let row = x.baseAddress! + i * columns
                    for j in 0..<columns { s[j] += Double(row[j]) }
                }
                if rows > 0 { for j in 0..<columns { s[j] /= Double(rows) } }
            }
            sum.withUnsafeBufferPointer { means in
                squares.withUnsafeMutableBufferPointer { q in
                    for i in 0..<rows {
                        let row = x.baseAddress! + i * columns
                        for j in 0..<columns {
                            let d = Double(row[j]) - means[j]
                            q[j] += d * d
                        }
                    }
                }
            }
        }
        let std = squares.map { rows > 0 ? Float(($0 / Double(rows)).squareRoot()) : 0 }
        self.init(mean: sum.map { Float($0) }, std: std.map { $0 > 0 ? $0 : 1 })
    }

    /// Replaces every feature `x_ij` of `data` by `(x_ij − mean_j) / std_j`, in place.
    /// Traps if the feature count differs from the fitted one.
    /// - Complexity: O(count · features).
    public func apply(to data: inout LabeledData) {
        let columns = mean.count
        precondition(data.features.columns == columns, "standardisation fitted on \(columns) features applied to \(data.features.columns)")
        let rows = data.features.rows
        let inverse = std.map { 1 / $0 }
        mean.withUnsafeBufferPointer { m in
            inverse.withUnsafeBufferPointer { s in
                data.features.elements.withUnsafeMutableBufferPointer { x in
                    for i in 0..<rows {
                        let row = x.baseAddress! + i * columns
                        for j in 0..<columns { row[j] = (row[j] - m[j]) * s[j] }
                    }
                }
            }
        }
    }

    /// A standardised copy of `data`.
    public func applied(to data: LabeledData) -> LabeledData {
        var copy = data
        apply(to: &copy)
        return copy
    }
}
