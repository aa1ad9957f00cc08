/// Products of row-major matrices through BLAS.
extension Matrix {
    /// `op(self) · op(other)` with `op` an optional transpose (`?gemm`).
    /// - Complexity: O(m n k) flops in one BLAS call.
    @inlinable
    public func multiplied(
        by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false
    ) -> Matrix {
        let m = transposingSelf ? columns : rows
        let k = transposingSelf ? rows : columns
        let k2 = transposingOther ? other.columns : other.rows
        let n = transposingOther ? other.rows : other.columns
        precondition(k == k2, "inner dimensions differ: \(k) vs \(k2)")
        var c = Matrix(rows: m, columns: n)
        guard m > 0, n > 0 else { return c }
        if k == 0 { return c }
        elements.withUnsafeBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                c.elements.withUnsafeMutableBufferPointer { cp in
                    Scalar.gemm(
                        transposeA: transposingSelf, transposeB: transposingOther, m: m, n: n, k: k,
                        alpha: 1, a: a.baseAddress!, lda: columns, b: b.baseAddress!,
                        ldb: other.columns, beta: 0, c: cp.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }

    /// The Gram matrix `G = A Aᵀ` (rows × rows) through one `?syrk`. With `symmetrized` false only
    /// the upper triangle (j ≥ i) is written and the strict lower triangle is zero.
    /// - Complexity: O(rows² · columns / 2) flops.
    @inlinable
    public func gram(symmetrized: Bool = true) -> Matrix {
        var g = Matrix(rows: rows, columns: rows)
        gram(into: &g, symmetrized: symmetrized)
        return g
    }

    /// Writes `G = A Aᵀ` into `g` (rows × rows, reused: nothing is allocated), through one
    /// `?syrk` with β = 0. With `symmetrized` false only the upper triangle (j ≥ i) is written;
    /// the strict lower triangle keeps what `g` held.
    /// - Complexity: O(rows² · columns / 2) flops.
    @inlinable
    public func gram(into g: inout Matrix, symmetrized: Bool = true) {
        let n = rows
        g.requireShape(n, n, "Gram matrix buffer")
        guard n > 0, columns > 0 else { return }
        elements.withUnsafeBufferPointer { a in
            g.elements.withUnsafeMutableBufferPointer { gp in
                Scalar.syrkUpper(transpose: false,
                    n: n, k: columns, alpha: 1, a: a.baseAddress!, lda: columns, beta: 0,
                    c: gp.baseAddress!, ldc: n)
                if symmetrized {
                    for i in 0..<n { for j in (i + 1)..<n { gp[j * n + i] = gp[i * n + j] } }
                }
            }
        }
    }

    /// `op(self) · x` (`?gemv`).
    /// - Complexity: O(rows · columns).
    @inlinable
    public func applied(to x: [Scalar], transposing: Bool = false) -> [Scalar] {
        let inCount = transposing ? rows : columns
        let outCount = transposing ? columns : rows
        precondition(x.count == inCount, "vector length \(x.count) does not match \(inCount)")
        var y = [Scalar](repeating: 0, count: outCount)
        guard rows > 0, columns > 0 else { return y }
        elements.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Scalar.gemv(
                        transpose: transposing, m: rows, n: columns, alpha: 1, a: a.baseAddress!,
                        lda: columns, x: xp.baseAddress!, beta: 0, y: yp.baseAddress!)
                }
            }
        }
        return y
    }

    /// Euclidean norm of every row (`?nrm2`). O(rows · columns).
    @inlinable
    public func rowNorms() -> [Scalar] {
        guard columns > 0 else { return [Scalar](repeating: 0, count: rows) }
        return elements.withUnsafeBufferPointer { a in
            (0..<rows).map { Scalar.nrm2(count: columns, x: a.baseAddress! + $0 * columns, stride: 1) }
        }
    }

    /// Each row divided by `(‖row‖₂ + epsilon)` in place (`?scal`); paper 002 uses ε = 1e-8.
    @inlinable
    public mutating func normalizeRows(epsilon: Scalar) {
        let norms = rowNorms()
        let c = columns
        guard c > 0 else { return }
        elements.withUnsafeMutableBufferPointer { a in
            for i in 0..<rows {
                Scalar.scal(count: c, alpha: 1 / (norms[i] + epsilon), x: a.baseAddress! + i * c, stride: 1)
            }
        }
    }
}
