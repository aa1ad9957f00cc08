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
    /// The larger side is eliminated, so `S` is `min × min`: when `n₁ < n₂` the roles of the
    /// sides swap (`S = A − B D₂⁻¹ Bᵀ`, `M = S⁺ B`, the sums over columns), computed in `B`'s own
    /// layout with no transposed copies. A disconnected layer (dead neurons, earlier pruning) is
    /// solved per connected component; isolated neurons have no edges.
    ///
    /// - Complexity: O(n₁ n₂ min(n₁, n₂)) — one `syrk` for `S`, one `gemm` for `M`, one Cholesky
    ///   inverse of `S` — instead of O((n₁ + n₂)³) for the pseudo-inverse; memory 3 · n₁ n₂.
    public static func bySchurComplement(biadjacency b: Matrix<Double>) throws -> Matrix<Double> {
        try requireNonNegative(b.elements)
        let components = BipartiteComponents(b)
        if components.connectedCount == 1,
           components.rows[0].count == b.rows, components.columns[0].count == b.columns {
            return try connectedLayer(b)
        }
        var result = Matrix<Double>(rows: b.rows, columns: b.columns)
        for (rows, columns) in zip(components.rows, components.columns) {
            var sub = Matrix<Double>(rows: rows.count, columns: columns.count)
            for (i, u) in rows.enumerated() { for (j, v) in columns.enumerated() { sub[i, j] = b[u, v] } }
            let r = try connectedLayer(sub)
            for (i, u) in rows.enumerated() { for (j, v) in columns.enumerated() { result[u, v] = r[i, j] } }
        }
        return result
    }

    /// The Schur-complement formula on a connected layer, eliminating its larger side.
    ///
    /// With `g` the eliminated node of an edge and `k` the kept one (`(g, k) = (u, v)` when the
    /// rows are eliminated, `(v, u)` when the columns are), `δ` the eliminated side's degrees,
    /// `S⁺` on the kept side and `M = B S⁺` (rows eliminated) or `S⁺ B` (columns eliminated),
    /// both `n₁ × n₂`: `Reff = 1/δ_g + q_g/δ_g² − 2 M_uv/δ_g + S⁺_kk`, `q_g = Σ_k M B` over
    /// `g`'s row or column.
    ///
    /// One `n₁ × n₂` buffer holds, in turn, `C` (`B` scaled by `δ^{-1/2}` along the eliminated
    /// side, the `syrk` operand), `M` (the `gemm` result) and the resistances, so the layer costs
    /// one copy of `B` besides `B` itself.
    private static func connectedLayer(_ b: Matrix<Double>) throws -> Matrix<Double> {
        let n1 = b.rows, n2 = b.columns
        let eliminatesRows = n1 >= n2
        var rowDegrees = [Double](repeating: 0, count: n1), columnDegrees = [Double](repeating: 0, count: n2)
        b.elements.withUnsafeBufferPointer { e in
            columnDegrees.withUnsafeMutableBufferPointer { d in
                for u in 0..<n1 {
                    var sum = 0.0
                    for v in 0..<n2 { sum += e[u * n2 + v]; d[v] += e[u * n2 + v] }
                    rowDegrees[u] = sum
                }
            }
        }
        let eliminated = eliminatesRows ? rowDegrees : columnDegrees
        var work = b  // C, then M, then Reff.
        work.elements.withUnsafeMutableBufferPointer { cp in
            let factors = eliminated.map { 1 / $0.squareRoot() }
            for u in 0..<n1 {
                if eliminatesRows {
                    for v in 0..<n2 { cp[u * n2 + v] *= factors[u] }
                } else {
                    for v in 0..<n2 { cp[u * n2 + v] *= factors[v] }
                }
            }
        }
        let pinv = try schurPseudoinverse(
            scaled: work, eliminatesRows: eliminatesRows, kept: eliminatesRows ? columnDegrees : rowDegrees)
        let n = pinv.rows
        let pinvDiagonal = (0..<n).map { pinv[$0, $0] }
        var quadratic = [Double](repeating: 0, count: eliminated.count)
        b.elements.withUnsafeBufferPointer { e in
            pinv.elements.withUnsafeBufferPointer { p in
                work.elements.withUnsafeMutableBufferPointer { mp in
                    // M = B S⁺ (n₁ × n₂ · n₂ × n₂) or S⁺ B (n₁ × n₁ · n₁ × n₂), over C's storage.
                    Double.gemm(
                        transposeA: false, transposeB: false, m: n1, n: n2, k: n,
                        alpha: 1, a: eliminatesRows ? e.baseAddress! : p.baseAddress!, lda: eliminatesRows ? n2 : n,
                        b: eliminatesRows ? p.baseAddress! : e.baseAddress!, ldb: n2,
                        beta: 0, c: mp.baseAddress!, ldc: n2)
                    for u in 0..<n1 {
                        if eliminatesRows {
                            var sum = 0.0
                            for v in 0..<n2 { sum += mp[u * n2 + v] * e[u * n2 + v] }
                            quadratic[u] = sum
                        } else {
                            for v in 0..<n2 { quadratic[v] += mp[u * n2 + v] * e[u * n2 + v] }
                        }
                    }
                    let inverse = eliminated.map { 1 / $0 }
                    let base = (0..<eliminated.count).map { g in inverse[g] + quadratic[g] * inverse[g] * inverse[g] }
                    for u in 0..<n1 {
                        for v in 0..<n2 {
                            let (g, k) = eliminatesRows ? (u, v) : (v, u)
                            mp[u * n2 + v] = e[u * n2 + v] > 0 ? base[g] - 2 * mp[u * n2 + v] * inverse[g] + pinvDiagonal[k] : 0
                        }
                    }
                }
            }
        }
        return work
    }

    /// `S⁺` for the Schur complement on the kept side — `S = D₂ − Bᵀ A⁻¹ B` when the rows are
    /// eliminated, `S = A − B D₂⁻¹ Bᵀ` when the columns are — as `(S + α 11ᵀ)⁻¹ − 11ᵀ/(α n²)`
    /// (the shift puts the eigenvalue `α n` on the constant vector). `α = mean(kept degree)/n`
    /// makes that eigenvalue the mean degree, the scale of `S`, so the shift cancels no digits
    /// whatever the weights' scale. `scaled` is `C`, `B` scaled by `δ^{-1/2}` along the
    /// eliminated side (`n₁ × n₂`), so the product is `Cᵀ C` (or `C Cᵀ`), one `syrk`;
    /// `kept` holds the kept side's degrees.
    private static func schurPseudoinverse(
        scaled c: Matrix<Double>, eliminatesRows: Bool, kept: [Double]
    ) throws -> Matrix<Double> {
        let n = kept.count
        let alpha = kept.reduce(0, +) / Double(n) / Double(n)
        var s = Matrix<Double>(rows: n, columns: n, repeating: alpha)
        c.elements.withUnsafeBufferPointer { cp in
            s.elements.withUnsafeMutableBufferPointer { sp in
                Double.syrkUpper(
                    transpose: eliminatesRows, n: n, k: eliminatesRows ? c.rows : c.columns, alpha: -1,
                    a: cp.baseAddress!, lda: c.columns, beta: 1, c: sp.baseAddress!, ldc: n)
            }
        }
        for k in 0..<n { s[k, k] += kept[k] }
        var pinv: Matrix<Double>
        do {
            pinv = try s.positiveDefiniteInverse()
        } catch {
            throw NumericalError.invalidInput(
                "the layer's Schur complement is not positive definite: the layer is numerically disconnected (\(error))")
        }
        let shift = 1 / (alpha * Double(n) * Double(n))
        for k in pinv.elements.indices { pinv.elements[k] -= shift }
        return pinv
    }
}
