import CLAPACKE

extension Matrix where Scalar == Double {
    /// The singular values `σ₁ ≥ σ₂ ≥ … ≥ σ_min(rows, columns) ≥ 0` of this matrix, through
    /// LAPACK `dgesdd` without singular vectors.
    ///
    /// The row-major `rows × columns` storage is read as the column-major `columns × rows`
    /// matrix `Aᵀ`, which has the same singular values, so nothing is copied into column order.
    /// - Throws: `NumericalError.lapack` when the bidiagonal iteration does not converge.
    /// - Complexity: O(rows · columns · min(rows, columns)).
    @inlinable
    public func singularValues() throws -> [Double] {
        precondition(rows <= Int(Int32.max) && columns <= Int(Int32.max), "matrix too large for LAPACK")
        var work = elements
        var s = [Double](repeating: 0, count: Swift.min(rows, columns))
        var unused = [Double](repeating: 0, count: 1)  // U and Vᵀ are not referenced with jobz = "N"
        let (m, n) = (Int32(columns), Int32(rows))
        let info = work.withUnsafeMutableBufferPointer { ap in
            s.withUnsafeMutableBufferPointer { sp in
                unused.withUnsafeMutableBufferPointer { up in
                    LAPACKE_dgesdd(
                        LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n,
                        ap.baseAddress, Swift.max(1, m), sp.baseAddress,
                        up.baseAddress, 1, up.baseAddress, 1)
                }
            }
        }
        guard info == 0 else {
            throw NumericalError.lapack(
                routine: "dgesdd", info: Int(info),
                message: info < 0 ? "argument \(-info) had an illegal value" : "the bidiagonal singular value iteration did not converge")
        }
        return s
    }
}
