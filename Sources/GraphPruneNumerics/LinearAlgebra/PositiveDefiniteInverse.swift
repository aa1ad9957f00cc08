import CLAPACKE

extension Matrix where Scalar == Double {
    /// The inverse of a symmetric positive-definite matrix by Cholesky (`dpotrf` then `dpotri`),
    /// returned full (both triangles). Only the upper triangle of `self` is read.
    ///
    /// Throws `NumericalError.lapack` when the matrix is not positive definite in floating
    /// point (the leading minor of the reported order is not positive), never a silent result.
    /// - Complexity: O(n³), n³/3 flops for the factorisation and 2n³/3 for the inverse.
    public func positiveDefiniteInverse() throws -> Matrix {
        precondition(rows == columns, "positiveDefiniteInverse needs a square matrix")
        let n = rows
        guard n > 0 else { return self }
        var a = self
        // The row-major upper triangle is the column-major lower one: LAPACK works on the
        // storage as it is, with no transposed copies (LAPACKE's row-major path makes two).
        let lower = CChar(UInt8(ascii: "L"))
        var info = a.elements.withUnsafeMutableBufferPointer {
            LAPACKE_dpotrf(LAPACK_COL_MAJOR, lower, Int32(n), $0.baseAddress, Int32(n))
        }
        if info > 0 {
            throw NumericalError.lapack(
                routine: "dpotrf", info: Int(info),
                message: "the leading minor of order \(info) is not positive: the matrix is not positive definite")
        }
        if info == 0 {
            info = a.elements.withUnsafeMutableBufferPointer {
                LAPACKE_dpotri(LAPACK_COL_MAJOR, lower, Int32(n), $0.baseAddress, Int32(n))
            }
        }
        if info != 0 {
            throw NumericalError.lapack(
                routine: info < 0 ? "dpotrf/dpotri" : "dpotri", info: Int(info),
                message: info < 0 ? "argument \(-info) had an illegal value" : "the Cholesky factor is singular")
        }
        a.elements.withUnsafeMutableBufferPointer { p in
            for i in 0..<n { for j in (i + 1)..<n { p[j * n + i] = p[i * n + j] } }
        }
        return a
    }
}
