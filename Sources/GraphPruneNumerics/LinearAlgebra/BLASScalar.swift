import CBLAS

/// A floating-point type that OpenBLAS computes with: `Float` (the `s` routines) or `Double` (`d`).
///
/// Each requirement is the thin Swift face of one CBLAS routine for row-major operands; the
/// pointer arguments are only ever reached through `Matrix` methods, which check the shapes.
public protocol BLASScalar: BinaryFloatingPoint, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// `C ← α op(A) op(B) + β C` (`?gemm`), row-major.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Upper triangle of `C ← α A Aᵀ + β C` (`?syrk`), row-major, A is n × k; with
    /// `transpose`, `C ← α Aᵀ A + β C` and A is k × n.
    static func syrkUpper(
        transpose: Bool, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y ← α op(A) x + β y` (`?gemv`), row-major A (m × n).
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    /// Euclidean norm of a strided vector (`?nrm2`).
    static func nrm2(count: Int, x: UnsafePointer<Self>, stride: Int) -> Self
    /// `x ← α x` (`?scal`).
    static func scal(count: Int, alpha: Self, x: UnsafeMutablePointer<Self>, stride: Int)
    /// Dot product (`?dot`).
    static func dot(count: Int, x: UnsafePointer<Self>, y: UnsafePointer<Self>) -> Self
    /// `B ← Aᵀ` for a row-major `rows × columns` A (OpenBLAS's `?omatcopy`, blocked for the
    /// cache); B is `columns × rows`.
    static func transposeCopy(rows: Int, columns: Int, a: UnsafePointer<Self>, b: UnsafeMutablePointer<Self>)
}

@inline(__always) private func op(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
}

extension Float: BLASScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, op(transposeA), op(transposeB), blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func syrkUpper(
        transpose: Bool = false, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_ssyrk(
            CblasRowMajor, CblasUpper, op(transpose), blasint(n), blasint(k), alpha, a,
            blasint(lda), beta, c, blasint(ldc))
    }
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(
            CblasRowMajor, op(transpose), blasint(m), blasint(n), alpha, a, blasint(lda), x, 1,
            beta, y, 1)
    }
    public static func nrm2(count: Int, x: UnsafePointer<Float>, stride: Int) -> Float {
        cblas_snrm2(blasint(count), x, blasint(stride))
    }
    public static func scal(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>, stride: Int) {
        cblas_sscal(blasint(count), alpha, x, blasint(stride))
    }
    public static func dot(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        cblas_sdot(blasint(count), x, 1, y, 1)
    }
    public static func transposeCopy(rows: Int, columns: Int, a: UnsafePointer<Float>, b: UnsafeMutablePointer<Float>) {
        cblas_somatcopy(CblasRowMajor, CblasTrans, blasint(rows), blasint(columns), 1, a, blasint(columns), b, blasint(rows))
    }
}

extension Double: BLASScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, op(transposeA), op(transposeB), blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func syrkUpper(
        transpose: Bool = false, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dsyrk(
            CblasRowMajor, CblasUpper, op(transpose), blasint(n), blasint(k), alpha, a,
            blasint(lda), beta, c, blasint(ldc))
    }
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(
            CblasRowMajor, op(transpose), blasint(m), blasint(n), alpha, a, blasint(lda), x, 1,
            beta, y, 1)
    }
    public static func nrm2(count: Int, x: UnsafePointer<Double>, stride: Int) -> Double {
        cblas_dnrm2(blasint(count), x, blasint(stride))
    }
    public static func scal(count: Int, alpha: Double, x: UnsafeMutablePointer<Double>, stride: Int) {
        cblas_dscal(blasint(count), alpha, x, blasint(stride))
    }
    public static func dot(count: Int, x: UnsafePointer<Double>, y: UnsafePointer<Double>) -> Double {
        cblas_ddot(blasint(count), x, 1, y, 1)
    }
    public static func transposeCopy(rows: Int, columns: Int, a: UnsafePointer<Double>, b: UnsafeMutablePointer<Double>) {
        cblas_domatcopy(CblasRowMajor, CblasTrans, blasint(rows), blasint(columns), 1, a, blasint(columns), b, blasint(rows))
    }
}

/// OpenBLAS's thread pool: the number of threads BLAS calls use (all cores unless set). oneDNN's
/// convolutions run on as many OpenMP threads (`DNNLConvolution.Shape.threads`), so this one count
/// is the thread count a run records.
public enum BLASThreads {
    /// Threads OpenBLAS will use for the next call.
    public static var count: Int { Int(openblas_get_num_threads()) }
    /// Sets the number of OpenBLAS threads (benchmarks state theirs; results are bit-identical
    /// only for the same thread count).
    public static func set(_ threads: Int) { openblas_set_num_threads(Int32(threads)) }
}
