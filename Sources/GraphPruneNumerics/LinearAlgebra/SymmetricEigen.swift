import CLAPACKE

/// Eigenvalues and eigenvectors of a dense real symmetric matrix through LAPACK.
///
/// `A = V Λ Vᵀ` with `Λ = diag(values)` in **ascending** order and `V` orthogonal. `vectors`, when
/// requested, is row-major `n × m`: column `k` is the unit eigenvector of `values[k]` (use
/// `eigenvector(_:)`). Only the upper triangle of the input is read.
///
/// - `full` uses the divide-and-conquer driver `dsyevd`; `selected` uses the MRRR driver `dsyevr`
///   for the eigenpairs with ascending indices in a range (e.g. the two largest).
/// - Complexity: O(n³) for the full spectrum; O(n³) reduction plus O(n · m) per selection.
public struct SymmetricEigen: Sendable {
    public let values: [Double]
    public let vectors: Matrix<Double>?

    /// The unit eigenvector belonging to `values[k]`.
    public func eigenvector(_ k: Int) -> [Double] {
        guard let v = vectors else { preconditionFailure("eigenvectors were not computed") }
        return v.column(k)
    }

    /// All eigenvalues (and, with `vectors`, eigenvectors) of the symmetric matrix `a`.
    public static func full(_ a: Matrix<Double>, vectors wantVectors: Bool = true) throws -> SymmetricEigen {
        try checkSquare(a)
        let n = a.rows
        guard n > 0 else { return SymmetricEigen(values: [], vectors: wantVectors ? Matrix(rows: 0, columns: 0) : nil) }
        var work = a.elements
        var w = [Double](repeating: 0, count: n)
        let info = work.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                LAPACKE_dsyevd(
                    LAPACK_ROW_MAJOR, wantVectors ? CChar(UInt8(ascii: "V")) : CChar(UInt8(ascii: "N")),
                    CChar(UInt8(ascii: "U")), Int32(n), ap.baseAddress, Int32(n), wp.baseAddress)
            }
        }
        try check(info, routine: "dsyevd")
        return SymmetricEigen(values: w, vectors: wantVectors ? Matrix(rows: n, columns: n, elements: work) : nil)
    }

    /// The eigenpairs whose ascending 0-based indices lie in `indices` (e.g. `n-2...n-1` for the
    /// two largest), through `dsyevr`.
    public static func selected(
        _ a: Matrix<Double>, indices: ClosedRange<Int>, vectors wantVectors: Bool = true
    ) throws -> SymmetricEigen {
        try checkSquare(a)
        let n = a.rows
        guard indices.lowerBound >= 0, indices.upperBound < n else {
            throw NumericalError.invalidInput("eigenvalue indices \(indices) outside 0..<\(n)")
        }
        let m = indices.count
        var work = a.elements
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: wantVectors ? n * m : 1)
        var isuppz = [Int32](repeating: 0, count: 2 * max(1, m))
        var found: Int32 = 0
        let info = work.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                z.withUnsafeMutableBufferPointer { zp in
                    isuppz.withUnsafeMutableBufferPointer { sp in
                        LAPACKE_dsyevr(
                            LAPACK_ROW_MAJOR, wantVectors ? CChar(UInt8(ascii: "V")) : CChar(UInt8(ascii: "N")),
                            CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "U")), Int32(n), ap.baseAddress,
                            Int32(n), 0, 0, Int32(indices.lowerBound + 1),
                            Int32(indices.upperBound + 1), 0, &found, wp.baseAddress, zp.baseAddress,
                            Int32(max(1, m)), sp.baseAddress)
                    }
                }
            }
        }
        try check(info, routine: "dsyevr")
        guard Int(found) == m else {
            throw NumericalError.lapack(routine: "dsyevr", info: 0, message: "returned \(found) of \(m) requested eigenvalues")
        }
        return SymmetricEigen(
            values: Array(w.prefix(m)),
            vectors: wantVectors ? Matrix(rows: n, columns: m, elements: z) : nil)
    }

    private static func checkSquare(_ a: Matrix<Double>) throws {
        guard a.rows == a.columns else {
            throw NumericalError.invalidInput("symmetric eigensolver needs a square matrix, got \(a.rows) × \(a.columns)")
        }
        if let bad = a.firstNonFinite() {
            throw NumericalError.invalidInput("matrix entry (\(bad.row), \(bad.column)) is not finite")
        }
    }

    private static func check(_ info: Int32, routine: String) throws {
        guard info != 0 else { return }
        let message: String
        if info < 0 {
            message = "argument \(-info) had an illegal value"
        } else if routine == "dsyevd" {
            message = "the algorithm failed to converge (\(info) off-diagonal elements did not converge to zero)"
        } else {
            message = "internal error in the MRRR algorithm"
        }
        throw NumericalError.lapack(routine: routine, info: Int(info), message: message)
    }
}
