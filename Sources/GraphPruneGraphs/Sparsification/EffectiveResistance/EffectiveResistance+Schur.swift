import GraphPruneNumerics

extension EffectiveResistance {
    /// Exact effective resistances of every edge of a layer's bipartite graph in
    /// matrix-multiply time.
    ///
    /// `biadjacency` is `B` (`n₁ × n₂`, non-negative, `B_uv` = weight of the edge between node
    /// `u` of side 1 and node `v` of side 2, 0 = no edge). The result has `B`'s shape: entry
    /// `(u, v)` is `Reff(u, v)` where `B_uv > 0`, and 0 elsewhere.
    ///
    /// **Derivation.** Order the nodes side 1 first. With `a = B 1` (side-1 degrees),
    /// `A = diag(a)`, `d = Bᵀ 1`, `D₂ = diag(d)`, the Laplacian is `L = [[A, −B], [−Bᵀ, D₂]]`.
    /// For `u` on side 1 and `v` on side 2, `Reff(u, v) = (e_u − e_v)ᵀ x` for any solution of
    /// `L x = e_u − e_v`. Its first block row gives `x₁ = A⁻¹ (e_u + B x₂)`; substituting into the
    /// second leaves the system on side 2 alone,
    ///
    ///     S x₂ = b_u / a_u − e_v,   S = D₂ − Bᵀ A⁻¹ B   (b_u = row u of B, as a column),
    ///
    /// where `S`, the Schur complement, is itself the Laplacian of a (dense) graph on side 2,
    /// connected when the layer is. The right side sums to zero, so `x₂ = S⁺ (b_u/a_u − e_v)`
    /// (up to a multiple of 1, which cancels). Then `Reff = x₁(u) − x₂(v)
    /// = 1/a_u + b_uᵀ x₂ / a_u − x₂(v)`, and with `M = B S⁺`:
    ///
    ///     Reff(u, v) = 1/a_u + (b_uᵀ S⁺ b_u)/a_u² − 2 M_uv / a_u + S⁺_vv.
    ///
    /// `S⁺` comes from one Cholesky inverse: `S + α11ᵀ` is positive definite on a connected
    /// graph and `(S + α11ᵀ)⁻¹ = S⁺ + 11ᵀ/(α n₂²)` (because `S 1 = 0`), with `α` scaled to `S`.
    /// `b_uᵀ S⁺ b_u = Σ_v M_uv B_uv`.
    ///
    /// The larger side is eliminated (the input is transposed internally when `n₁ < n₂`), so
    /// `S` is `min × min`. A disconnected layer (dead neurons, earlier pruning) is solved per
    /// connected component; isolated neurons have no edges.
    ///
    /// - Complexity: O(n₁ n₂ min(n₁, n₂)) — one `syrk` for `S`, one `gemm` for `M`, one Cholesky
    ///   inverse of `S` — instead of O((n₁ + n₂)³) for the pseudo-inverse; memory 3 · n₁ n₂.
    public static func bySchurComplement(biadjacency b: Matrix<Double>) throws -> Matrix<Double> {
        try requireNonNegative(b.elements)
        if b.rows < b.columns {
            return try bySchurComplement(biadjacency: b.transposed()).transposed()
        }
        let components = BipartiteComponents(b)
        if components.connectedCount == 1,
           components.rows[0].count == b.rows, components.columns[0].count == b.columns {
            return try connectedLayer(b)
        }
        var result = Matrix<Double>(rows: b.rows, columns: b.columns)
        for (rows, columns) in zip(components.rows, components.columns) {
            var sub = Matrix<Double>(rows: rows.count, columns: columns.count)
            for (i, u) in rows.enumerated() { for (j, v) in columns.enumerated() { sub[i, j] = b[u, v] } }
            // A component may have more columns than rows: orient it before eliminating.
            let r = sub.rows >= sub.columns ? try connectedLayer(sub) : try connectedLayer(sub.transposed()).transposed()
            for (i, u) in rows.enumerated() { for (j, v) in columns.enumerated() { result[u, v] = r[i, j] } }
        }
        return result
    }

    /// The Schur-complement formula on a connected layer with `rows ≥ columns`.
    private static func connectedLayer(_ b: Matrix<Double>) throws -> Matrix<Double> {
        let n1 = b.rows, n2 = b.columns
        let a = (0..<n1).map { u in b.row(u).reduce(0, +) }
        let pinv = try schurPseudoinverse(b, rowDegrees: a)
        let pinvDiagonal = (0..<n2).map { pinv[$0, $0] }
        var m = b.multiplied(by: pinv)  // M = B S⁺, n₁ × n₂; overwritten row by row with Reff.
        b.elements.withUnsafeBufferPointer { e in
            m.elements.withUnsafeMutableBufferPointer { mp in
                for u in 0..<n1 {
                    var quadratic = 0.0
                    for v in 0..<n2 { quadratic += mp[u * n2 + v] * e[u * n2 + v] }
                    let inverse = 1 / a[u]
                    let base = inverse + quadratic * inverse * inverse
                    for v in 0..<n2 {
                        mp[u * n2 + v] = e[u * n2 + v] > 0 ? base - 2 * mp[u * n2 + v] * inverse + pinvDiagonal[v] : 0
                    }
                }
            }
        }
        return m
    }

    /// `S⁺` for `S = D₂ − Bᵀ A⁻¹ B`, as `(S + α 11ᵀ)⁻¹ − 11ᵀ/(α n₂²)` (the shift puts the
    /// eigenvalue `α n₂` on the constant vector). `α = mean(d)/n₂` makes that eigenvalue the mean
    /// degree, the scale of `S`, so the shift cancels no digits whatever the weights' scale.
    /// `Bᵀ A⁻¹ B = Cᵀ C` with `C = A^{-1/2} B`, one `syrk`.
    private static func schurPseudoinverse(_ b: Matrix<Double>, rowDegrees a: [Double]) throws -> Matrix<Double> {
        let n1 = b.rows, n2 = b.columns
        var c = b
        var d = [Double](repeating: 0, count: n2)
        c.elements.withUnsafeMutableBufferPointer { cp in
            for u in 0..<n1 {
                let factor = 1 / a[u].squareRoot()
                for v in 0..<n2 { d[v] += cp[u * n2 + v]; cp[u * n2 + v] *= factor }
            }
        }
        let alpha = d.reduce(0, +) / Double(n2) / Double(n2)
        var s = Matrix<Double>(rows: n2, columns: n2, repeating: alpha)
        c.elements.withUnsafeBufferPointer { cp in
            s.elements.withUnsafeMutableBufferPointer { sp in
                Double.syrkUpper(
                    transpose: true, n: n2, k: n1, alpha: -1, a: cp.baseAddress!, lda: n2, beta: 1,
                    c: sp.baseAddress!, ldc: n2)
            }
        }
        for v in 0..<n2 { s[v, v] += d[v] }
        var pinv: Matrix<Double>
        do {
            pinv = try s.positiveDefiniteInverse()
        } catch {
            throw NumericalError.invalidInput(
                "the layer's Schur complement is not positive definite: the layer is numerically disconnected (\(error))")
        }
        let shift = 1 / (alpha * Double(n2) * Double(n2))
        for k in pinv.elements.indices { pinv.elements[k] -= shift }
        return pinv
    }
}
