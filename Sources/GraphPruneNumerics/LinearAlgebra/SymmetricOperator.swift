/// A real symmetric linear operator `A` on `ℝⁿ`, known only through its product with a vector.
/// This is all an ARPACK Lanczos solve needs: `apply` is called once per Lanczos step.
public protocol SymmetricOperator {
    /// `n`, the size of the vectors the operator acts on.
    var dimension: Int { get }
    /// `y ← A x`. `x` and `y` have `dimension` entries and do not overlap.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
}

extension SymmetricOperator {
    /// `A x` as a new array (for tests and residual checks; solvers use `apply(_:into:)`).
    public func applied(to x: [Double]) -> [Double] {
        precondition(x.count == dimension, "vector length \(x.count) does not match \(dimension)")
        var y = [Double](repeating: 0, count: dimension)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { apply(xp, into: $0) } }
        return y
    }
}

/// A dense symmetric matrix as an operator (`dgemv` on the whole row-major storage).
/// - Complexity: O(n²) per product.
extension Matrix: SymmetricOperator where Scalar == Double {
    public var dimension: Int { rows }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(rows == columns && x.count == rows && y.count == rows)
        guard rows > 0 else { return }
        elements.withUnsafeBufferPointer { a in
            Double.gemv(
                transpose: false, m: rows, n: columns, alpha: 1, a: a.baseAddress!, lda: columns,
                x: x.baseAddress!, beta: 0, y: y.baseAddress!)
        }
    }
}
