import Foundation
import GraphPruneNumerics

/// Approximate effective resistances of all edges at once, after Spielman & Srivastava, "Graph
/// sparsification by effective resistances" (SIAM J. Comput. 40(6), 2011).
///
/// For a weighted undirected graph with non-negative weights, let `B` be the `m × n` signed
/// edge–vertex incidence matrix (row `e = (u, v)`, `u < v`, has `+1` at `u` and `−1` at `v`),
/// `W = diag(w)` and `L = Bᵀ W B` the Laplacian. The effective resistance of a pair is
///
///     Reff(u, v) = (e_u − e_v)ᵀ L⁺ (e_u − e_v) = ‖W^{1/2} B L⁺ (e_u − e_v)‖²,
///
/// the squared distance between columns `u` and `v` of the `m × n` matrix `W^{1/2} B L⁺`. A random
/// `k × m` matrix `Q` with independent entries `±1/√k` preserves all these distances to within a
/// factor `1 ± ε` with high probability once `k ≥ 24 ln n / ε²` (Johnson–Lindenstrauss), so with
/// `Y = Q W^{1/2} B` (`k × n`) and `Z = Y L⁺`, i.e. `L z_i = y_i` for each row `i`,
///
///     Reff(u, v) ≈ ‖Z(:, u) − Z(:, v)‖².
///
/// Each `y_i = Σ_e q_ie √w_e (e_u − e_v)` sums to zero over every connected component (each
/// incidence row does), so it lies in the range of `L`; the solver re-projects it to remove
/// rounding and keeps the conjugate-gradient iteration on that range (see `LaplacianSolver`).
/// Isolated nodes have no edges, hence no resistances, and never enter the iteration.
///
/// **Randomness:** the signs of `Q` come from `SplitMix64(seed)` in edge order (edges `u < v` in CSR
/// order), then by `i`: the signs of edge `e` are the bits of `⌈k/64⌉` consecutive draws, bit
/// `i mod 64` of draw `⌊i/64⌋` giving `q_ie` (set ⇒ `+`). The systems are solved in blocks of
/// `blockWidth` columns; every system's arithmetic and the order of the sum over `i` are fixed, so
/// the values depend only on the graph and the options — not on the thread count or block width.
///
/// - Complexity: O(k · (m + n)) per CG iteration summed over blocks, times O(√κ log(1/cgTolerance))
///   iterations; O(k · m / 64) words for the signs plus O(blockWidth · n) for the blocks.
public struct ApproximateEffectiveResistance: Sendable {
    /// Requested Johnson–Lindenstrauss accuracy `ε` in (0, 1); sets `k = ⌈24 ln n / ε²⌉`.
    public var epsilon: Double
    /// Overrides the projection dimension `k` when set.
    public var dimension: Int?
    /// Relative residual `‖y_i − L z_i‖ / ‖y_i‖` each Laplacian solve must reach.
    public var cgTolerance: Double
    /// Conjugate-gradient iterations allowed per system before `NumericalError.noConvergence`.
    public var maxIterations: Int
    /// Seed of the random projection.
    public var seed: UInt64
    /// Systems solved together in one block (memory `≈ 6 · blockWidth · n` doubles); the values do
    /// not depend on it.
    var blockWidth = 64

    public init(
        epsilon: Double = 0.3, dimension: Int? = nil, cgTolerance: Double = 1e-8, maxIterations: Int = 1000,
        seed: UInt64 = 0
    ) {
        self.epsilon = epsilon
        self.dimension = dimension
        self.cgTolerance = cgTolerance
        self.maxIterations = maxIterations
        self.seed = seed
    }

    /// The outcome of `resistances(of:)`.
    public struct Result: Sendable {
        /// `values[p]` approximates the effective resistance of the edge stored at position `p` of
        /// `graph.adjacency` (both stored directions of an edge carry the same value).
        public let values: [Double]
        /// The projection dimension `k` used.
        public let dimension: Int
        /// The largest true relative residual over the `k` Laplacian solves.
        public let maxRelativeResidual: Double
        /// CG iterations summed over the `k` systems.
        public let totalIterations: Int
        /// Connected components of the graph (isolated nodes count as components).
        public let components: Int
    }

    /// The projection dimension used for a graph on `n` nodes: `dimension`, or `⌈24 ln n / ε²⌉`
    /// (at least 1).
    public func projectionDimension(nodeCount n: Int) -> Int {
        if let k = dimension { return k }
        return max(1, Int((24 * log(Double(max(n, 1))) / (epsilon * epsilon)).rounded(.up)))
    }

    /// Approximate effective resistances of every stored edge of `graph`.
    ///
    /// Throws `NumericalError.invalidInput` for a negative, zero or non-finite weight, `epsilon`
    /// outside (0, 1), a dimension below 1, `cgTolerance` outside (0, 1) or `maxIterations < 1`;
    /// `NumericalError.noConvergence` when a Laplacian solve misses `cgTolerance` within
    /// `maxIterations` (`converged` counts the systems solved, `wanted` is `k`).
    public func resistances(of graph: WeightedGraph) throws -> Result {
        guard epsilon > 0, epsilon < 1 else {
            throw NumericalError.invalidInput("approximate effective resistance: epsilon \(epsilon) must lie in (0, 1)")
        }
        if let k = dimension, k < 1 {
            throw NumericalError.invalidInput("approximate effective resistance: dimension \(k) must be at least 1")
        }
        precondition(blockWidth >= 1, "blockWidth must be positive")
        let solver = try LaplacianSolver(graph: graph, tolerance: cgTolerance, maxIterations: maxIterations)
        let k = projectionDimension(nodeCount: graph.nodeCount)
        let components = solver.components.count
        guard graph.edgeCount > 0 else {
            return Result(values: [], dimension: k, maxRelativeResidual: 0, totalIterations: 0, components: components)
        }

        let signs = projectionSigns(of: graph, dimension: k)
        var sums = [Double](repeating: 0, count: graph.adjacency.storedCount)
        var worstResidual = 0.0, iterations = 0
        for start in stride(from: 0, to: k, by: blockWidth) {
            let block = start..<min(k, start + blockWidth)
            let y = rightHandSides(of: graph, signs: signs, dimension: k, columns: block)
            let solution: LaplacianSolver.Solution
            do {
                solution = try solver.solve(block: y)
            } catch let NumericalError.noConvergence(method, its, converged, _) {
                throw NumericalError.noConvergence(method: method, iterations: its, converged: start + converged, wanted: k)
            }
            accumulateSquaredDifferences(solution.x, over: graph.adjacency, into: &sums)
            worstResidual = max(worstResidual, solution.relativeResiduals.max() ?? 0)
            iterations += solution.iterations.reduce(0, +)
        }
        // The signs were ±1; the entries of Q are ±1/√k, so the squared distances scale by 1/k.
        let scale = 1 / Double(k)
        return Result(
            values: sums.map { $0 * scale }, dimension: k, maxRelativeResidual: worstResidual,
            totalIterations: iterations, components: components)
    }

    /// The signs of `Q`, `⌈k/64⌉` words per edge in edge order (see the type's notes). O(k · m / 64).
    func projectionSigns(of graph: WeightedGraph, dimension k: Int) -> [UInt64] {
        var rng = SplitMix64(seed: seed)
        let words = (k + 63) / 64
        return (0..<(graph.edgeCount * words)).map { _ in rng.next() }
    }

    /// Columns `columns` of `Yᵀ = (Q W^{1/2} B)ᵀ` with ±1 signs in place of ±1/√k, as a row-major
    /// `n × columns.count` block: for each edge `e = (u, v)`, `u < v`, and each `i`,
    /// `y_i[u] += q_ie √w_e` and `y_i[v] −= q_ie √w_e`. O(m · columns.count).
    func rightHandSides(of graph: WeightedGraph, signs: [UInt64], dimension k: Int, columns: Range<Int>) -> Matrix<Double> {
        let a = graph.adjacency, s = columns.count, words = (k + 63) / 64
        precondition(columns.lowerBound >= 0 && columns.upperBound <= k && signs.count == graph.edgeCount * words)
        var y = [Double](repeating: 0, count: a.rows * s)
        var e = 0
        for u in 0..<a.rows {
            for p in a.rowStarts[u]..<a.rowStarts[u + 1] {
                let v = Int(a.columnIndices[p])
                guard v > u else { continue }
                let root = a.values[p].squareRoot()
                var i = columns.lowerBound
                while i < columns.upperBound {
                    // The signs of columns i..<end are bits of one draw.
                    let bits = signs[e * words + i / 64], end = min(columns.upperBound, (i / 64 + 1) * 64)
                    for i in i..<end {
                        let value = (bits >> UInt64(i % 64)) & 1 == 1 ? root : -root
                        y[u * s + i - columns.lowerBound] += value
                        y[v * s + i - columns.lowerBound] -= value
                    }
                    i = end
                }
                e += 1
            }
        }
        return Matrix(rows: a.rows, columns: s, elements: y)
    }
}

/// `sums[p] += Σ_j (z[u, j] − z[v, j])²` for every stored entry `p = (u, v)` of `adjacency`, with
/// `z` row-major `n × s`; each entry's sum runs over `j` in order, rows split across cores.
/// O(m · s).
private func accumulateSquaredDifferences(_ z: Matrix<Double>, over adjacency: CSRMatrix, into sums: inout [Double]) {
    let s = z.columns, n = adjacency.rows
    precondition(z.rows == n && sums.count == adjacency.storedCount)
    adjacency.rowStarts.withUnsafeBufferPointer { starts in
        adjacency.columnIndices.withUnsafeBufferPointer { cols in
            z.elements.withUnsafeBufferPointer { zp in
                sums.withUnsafeMutableBufferPointer { out in
                    let work = max(1, adjacency.storedCount * s)
                    forEachChunk(of: n, minimumChunk: max(1, n * 262_144 / work)) { range in
                        for u in range {
                            let zu = u * s
                            for p in starts[u]..<starts[u + 1] {
                                let zv = Int(cols[p]) * s
                                var acc = out[p]
                                for j in 0..<s {
                                    let d = zp[zu + j] - zp[zv + j]
                                    acc += d * d
                                }
                                out[p] = acc
                            }
                        }
                    }
                }
            }
        }
    }
}
