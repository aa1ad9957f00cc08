import GraphPruneNumerics

/// Solves Laplacian systems `L X = B` of a weighted undirected graph with non-negative weights by
/// Jacobi-preconditioned conjugate gradients (PCG), one independent CG recurrence per column.
///
/// `L = D − A` with `A` the symmetric adjacency and `D = diag(d)`, `d_u = Σ_v w_uv` the weighted
/// degrees. `L` is positive semidefinite; its null space is spanned by the indicator vectors
/// `1_C` of the connected components `C`, so `L x = b` is solvable exactly when `1_Cᵀ b = 0` for
/// every component. The solver therefore works on the range of `L`:
///
/// - each right-hand side is first projected onto the range (its mean over each component is
///   subtracted; an isolated node's entry becomes 0), and the recursive residual is projected again
///   after every step so rounding cannot drift into the null space;
/// - the preconditioner is `M = D` restricted to non-isolated nodes (`M⁻¹ r` is `r_u / d_u`, and 0 at
///   an isolated node, which therefore never enters the iteration);
/// - the returned solution is projected too, so `X = L⁺ B` (the minimum-norm solution, mean zero on
///   every component).
///
/// **Orientation:** a block of right-hand sides is a row-major `n × s` `Matrix` whose **column** `j`
/// is system `j` and whose row `u` holds node `u`'s entries of all `s` systems. One product
/// `L P` is thus a single pass over the adjacency in CSR order, each stored entry `w_uv` updating
/// the contiguous row `u` of the result from the contiguous row `v` of `P`.
///
/// Convergence is the relative residual `‖b_j − L x_j‖₂ / ‖b_j‖₂ ≤ tolerance` of the projected
/// right-hand side, tested on the recursive residual and then confirmed on the true residual; a
/// column whose true residual disagrees is restarted from it. A column still above the tolerance
/// after `maxIterations` steps makes the solve throw `NumericalError.noConvergence`.
///
/// **Determinism:** the Laplacian product splits rows across cores, each row summed in storage
/// order by one thread; dot products and vector updates run in a fixed order on one thread. Each
/// column's arithmetic does not depend on the other columns, so the result is the same for every
/// thread count and for every way of grouping systems into blocks.
///
/// - Complexity: O((m + n) · s) time per iteration for `s` systems and `m` stored entries;
///   O(n · s) extra memory. PCG needs O(√κ · log(1/tolerance)) iterations, `κ` the condition
///   number of `D^{-1/2} L D^{-1/2}` on its range.
public struct LaplacianSolver: Sendable {
    /// The graph whose Laplacian is solved with.
    public let graph: WeightedGraph
    /// Relative residual `‖b − L x‖ / ‖b‖` at which a system counts as solved, in (0, 1).
    public var tolerance: Double
    /// The most CG steps spent on one system.
    public var maxIterations: Int
    /// Weighted degrees `d_u = L_uu`.
    public let degrees: [Double]
    /// The connected components, which span the null space of `L`.
    public let components: ConnectedComponents

    /// A solver for `graph`'s Laplacian. Throws `NumericalError.invalidInput` for a weight that is
    /// negative, zero or not finite (a `WeightedGraph` stores no zeros), a tolerance outside (0, 1)
    /// or fewer than one iteration.
    /// - Complexity: O(n + m).
    public init(graph: WeightedGraph, tolerance: Double = 1e-8, maxIterations: Int = 1000) throws {
        if let k = graph.adjacency.values.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            let w = graph.adjacency.values[k]
            throw NumericalError.invalidInput(
                "Laplacian solver: stored edge weight \(w) at adjacency position \(k) must be positive and finite"
                    + (w < 0 ? " (negative weights give an indefinite Laplacian)" : ""))
        }
        guard tolerance > 0, tolerance < 1 else {
            throw NumericalError.invalidInput("Laplacian solver: tolerance \(tolerance) must lie in (0, 1)")
        }
        guard maxIterations >= 1 else {
            throw NumericalError.invalidInput("Laplacian solver: maxIterations \(maxIterations) must be at least 1")
        }
        self.graph = graph
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.degrees = graph.degrees()
        self.components = graph.components()
    }

    /// The solution of a block solve.
    public struct Solution: Sendable {
        /// `X = L⁺ B`, row-major `n × s`: column `j` solves system `j`.
        public let x: Matrix<Double>
        /// The true relative residual `‖P b_j − L x_j‖ / ‖P b_j‖` of each system (`P` the projection
        /// onto the range of `L`; 0 for a right-hand side that projects to 0).
        public let relativeResiduals: [Double]
        /// CG steps spent on each system.
        public let iterations: [Int]
    }

    /// Solves `L x = b` for one right-hand side of length `n` (see the type's notes).
    public func solve(_ b: [Double]) throws -> (x: [Double], relativeResidual: Double, iterations: Int) {
        let s = try solve(block: Matrix(rows: b.count, columns: 1, elements: b))
        return (s.x.elements, s.relativeResiduals[0], s.iterations[0])
    }

    /// Solves `L X = B` for the columns of the row-major `n × s` block `b`, all systems advancing
    /// together so every iteration reads the adjacency once.
    public func solve(block b: Matrix<Double>) throws -> Solution {
        let n = graph.nodeCount, s = b.columns
        guard b.rows == n else {
            throw NumericalError.invalidInput("Laplacian solver: right-hand sides have \(b.rows) rows, the graph has \(n) nodes")
        }
        if let bad = b.firstNonFinite() {
            throw NumericalError.invalidInput("Laplacian solver: right-hand side entry (\(bad.row), \(bad.column)) is not finite")
        }
        let inverseDegrees = degrees.map { $0 > 0 ? 1 / $0 : 0 }
        var rhs = b.elements
        project(&rhs, columns: s)
        let rhsNorms = columnDots(rhs, rhs, columns: s).map { $0.squareRoot() }

        var x = [Double](repeating: 0, count: n * s)
        var r = rhs, z = rhs, p = rhs, q = rhs
        var rho = [Double](repeating: 0, count: s)
        var iterations = [Int](repeating: 0, count: s)
        var residuals = [Double](repeating: 0, count: s)
        var active = rhsNorms.map { $0 > 0 }
        let zeroMeans = [Double](repeating: 0, count: components.count * s)

        /// Restarts the active columns from their current (projected) residual: `p = z = M⁻¹ r`.
        /// Inactive columns get `p = z` too, which is harmless: their step length is 0.
        func restart() {
            let (_, rz) = applyPreconditioner(&r, subtracting: zeroMeans, into: &z, inverseDegrees: inverseDegrees, columns: s)
            for j in 0..<s where active[j] { rho[j] = rz[j] }
            p = z
        }

        restart()
        while true {
            while active.contains(true) {
                if (0..<s).contains(where: { active[$0] && iterations[$0] >= maxIterations }) {
                    throw NumericalError.noConvergence(
                        method: "Jacobi-preconditioned conjugate gradients (Laplacian, relative residual \(tolerance))",
                        iterations: maxIterations, converged: active.filter { !$0 }.count, wanted: s)
                }
                laplacianProduct(p, into: &q, columns: s)
                let pq = columnDots(p, q, columns: s)
                var alpha = [Double](repeating: 0, count: s)
                for j in 0..<s where active[j] {
                    // p ≠ 0 lies in the range of M⁻¹L, so pᵀLp > 0 unless r has already vanished.
                    alpha[j] = pq[j] > 0 ? rho[j] / pq[j] : 0
                }
                // x += α p, r −= α q; then r is projected back onto the range and z = M⁻¹ r.
                let means = step(alpha, p, q, x: &x, r: &r, columns: s)
                let (rr, rz) = applyPreconditioner(&r, subtracting: means, into: &z, inverseDegrees: inverseDegrees, columns: s)
                var beta = [Double](repeating: 0, count: s)
                for j in 0..<s where active[j] {
                    iterations[j] += 1
                    residuals[j] = rr[j].squareRoot() / rhsNorms[j]
                    if residuals[j] <= tolerance || !(pq[j] > 0) {
                        active[j] = false
                    } else {
                        beta[j] = rz[j] / rho[j]
                        rho[j] = rz[j]
                    }
                }
                newDirection(z, plus: beta, times: &p, columns: s)
            }
            // Confirm on the true residual; restart the columns where rounding made them differ.
            project(&x, columns: s)
            laplacianProduct(x, into: &q, columns: s)
            for i in 0..<(n * s) { r[i] = rhs[i] - q[i] }
            project(&r, columns: s)
            let rr = columnDots(r, r, columns: s)
            for j in 0..<s where rhsNorms[j] > 0 {
                residuals[j] = rr[j].squareRoot() / rhsNorms[j]
                if residuals[j] > tolerance { active[j] = true }
            }
            if !active.contains(true) { break }
            restart()
        }
        return Solution(x: Matrix(rows: n, columns: s, elements: x), relativeResiduals: residuals, iterations: iterations)
    }

    // MARK: Block kernels (row-major n × s blocks, fixed summation order)

    /// `y ← L x` for a row-major `n × s` block: row `u` of `y` is `d_u x_u − Σ_v w_uv x_v`,
    /// accumulated in CSR order. Rows are split across cores.
    func laplacianProduct(_ x: [Double], into y: inout [Double], columns s: Int) {
        let a = graph.adjacency, n = a.rows
        precondition(x.count == n * s && y.count == n * s)
        guard n > 0, s > 0 else { return }
        let work = max(1, (a.storedCount + n) * s)
        a.rowStarts.withUnsafeBufferPointer { starts in
            a.columnIndices.withUnsafeBufferPointer { cols in
                a.values.withUnsafeBufferPointer { vals in
                    degrees.withUnsafeBufferPointer { deg in
                        x.withUnsafeBufferPointer { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                let x0 = xp.baseAddress!, y0 = yp.baseAddress!
                                forEachChunk(of: n, minimumChunk: max(1, n * 262_144 / work)) { range in
                                    for u in range {
                                        let out = y0 + u &* s, own = x0 + u &* s, d = deg[u]
                                        for j in 0..<s { out[j] = d * own[j] }
                                        for k in starts[u]..<starts[u + 1] {
                                            let w = vals[k], src = x0 + Int(cols[k]) &* s
                                            for j in 0..<s { out[j] -= w * src[j] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Subtracts from every column its mean over each connected component (`P b`, the orthogonal
    /// projection onto the range of `L`). O(n · s).
    func project(_ v: inout [Double], columns s: Int) {
        var sums = [Double](repeating: 0, count: components.count * s)
        v.withUnsafeBufferPointer { vp in
            sums.withUnsafeMutableBufferPointer { sp in
                for u in 0..<components.labels.count {
                    let row = vp.baseAddress! + u &* s, sum = sp.baseAddress! + components.labels[u] &* s
                    for j in 0..<s { sum[j] += row[j] }
                }
            }
        }
        let means = componentMeans(sums, columns: s)
        v.withUnsafeMutableBufferPointer { vp in
            means.withUnsafeBufferPointer { mp in
                for u in 0..<components.labels.count {
                    let row = vp.baseAddress! + u &* s, mean = mp.baseAddress! + components.labels[u] &* s
                    for j in 0..<s { row[j] -= mean[j] }
                }
            }
        }
    }

    /// Per-component column sums divided by the component sizes.
    private func componentMeans(_ sums: [Double], columns s: Int) -> [Double] {
        var means = sums
        for c in 0..<components.count {
            let size = Double(components.members[c].count)
            for j in 0..<s { means[c * s + j] /= size }
        }
        return means
    }

    /// The CG update `x += α p`, `r −= α q` (α per column), returning the per-component column
    /// means of the new `r`. One pass. O(n · s).
    private func step(
        _ alpha: [Double], _ p: [Double], _ q: [Double], x: inout [Double], r: inout [Double], columns s: Int
    ) -> [Double] {
        var sums = [Double](repeating: 0, count: components.count * s)
        let labels = components.labels
        alpha.withUnsafeBufferPointer { a in
            p.withUnsafeBufferPointer { pp in
                q.withUnsafeBufferPointer { qp in
                    x.withUnsafeMutableBufferPointer { xp in
                        r.withUnsafeMutableBufferPointer { rp in
                            sums.withUnsafeMutableBufferPointer { sp in
                                for u in 0..<labels.count {
                                    let o = u &* s, sum = sp.baseAddress! + labels[u] &* s
                                    let pu = pp.baseAddress! + o, qu = qp.baseAddress! + o
                                    let xu = xp.baseAddress! + o, ru = rp.baseAddress! + o
                                    for j in 0..<s {
                                        xu[j] += a[j] * pu[j]
                                        ru[j] -= a[j] * qu[j]
                                        sum[j] += ru[j]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return componentMeans(sums, columns: s)
    }

    /// `r ← r − mean(component)`, `z = M⁻¹ r` (0 at isolated nodes), returning the column sums
    /// `rᵀ r` and `rᵀ z`. One pass. O(n · s).
    private func applyPreconditioner(
        _ r: inout [Double], subtracting means: [Double], into z: inout [Double], inverseDegrees: [Double], columns s: Int
    ) -> (rr: [Double], rz: [Double]) {
        var rr = [Double](repeating: 0, count: s), rz = [Double](repeating: 0, count: s)
        let labels = components.labels
        means.withUnsafeBufferPointer { mp in
            r.withUnsafeMutableBufferPointer { rp in
                z.withUnsafeMutableBufferPointer { zp in
                    rr.withUnsafeMutableBufferPointer { rrp in
                        rz.withUnsafeMutableBufferPointer { rzp in
                            for u in 0..<labels.count {
                                let o = u &* s, mean = mp.baseAddress! + labels[u] &* s, d = inverseDegrees[u]
                                let ru = rp.baseAddress! + o, zu = zp.baseAddress! + o
                                for j in 0..<s {
                                    let v = ru[j] - mean[j]
                                    ru[j] = v
                                    zu[j] = v * d
                                    rrp[j] += v * v
                                    rzp[j] += v * zu[j]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (rr, rz)
    }
}

/// `Σ_u a[u, j] · b[u, j]` for each column `j` of two row-major blocks with `s` columns, summed
/// over rows in order. O(n · s).
func columnDots(_ a: [Double], _ b: [Double], columns s: Int) -> [Double] {
    precondition(a.count == b.count && (s == 0 || a.count % s == 0))
    var sums = [Double](repeating: 0, count: s)
    guard s > 0 else { return sums }
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            sums.withUnsafeMutableBufferPointer { sp in
                for u in 0..<(a.count / s) {
                    let au = ap.baseAddress! + u &* s, bu = bp.baseAddress! + u &* s
                    for j in 0..<s { sp[j] += au[j] * bu[j] }
                }
            }
        }
    }
    return sums
}

/// `p[u, j] ← z[u, j] + beta[j] · p[u, j]`. O(n · s).
private func newDirection(_ z: [Double], plus beta: [Double], times p: inout [Double], columns s: Int) {
    guard s > 0 else { return }
    z.withUnsafeBufferPointer { zp in
        p.withUnsafeMutableBufferPointer { pp in
            for u in 0..<(z.count / s) {
                let zu = zp.baseAddress! + u &* s, pu = pp.baseAddress! + u &* s
                for j in 0..<s { pu[j] = zu[j] + beta[j] * pu[j] }
            }
        }
    }
}
