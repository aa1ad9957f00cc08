import GraphPruneNumerics

/// Eigenvector centrality: the Perron eigenvector of the adjacency matrix `A` — the eigenvector
/// of the largest algebraic eigenvalue λ₁ — with unit L2 norm and non-negative entries.
///
/// On a connected graph with non-negative weights it is unique and strictly positive, and equals
/// `scipy.sparse.linalg.eigsh(A, k=1, which='LA')` (sign-fixed) and NetworkX's
/// `eigenvector_centrality_numpy`.
///
/// **Disconnected graphs** (an isolated neuron is enough) have no unique Perron vector: NetworkX
/// ≥ 3.4 raises, older versions return near-zero values in arbitrary order for the minor
/// components. This toolkit's deterministic policy is *component-wise*: for each component `C`
/// take its own Perron vector `x_C` (unit norm, sum > 0) and its largest eigenvalue `λ_C`, scale
/// it by `λ_C / λ_max` (`λ_max` = the largest over all components; a graph without edges has
/// `λ = 0` everywhere and the ratio is taken as 1), and normalise the whole vector to unit norm.
/// So the dominant component gets exactly the usual eigenvector shape, weaker components rank
/// below it in proportion to their spectral radius, isolated nodes score 0, and two equal
/// components (a tie λ₁ = λ₂, reported as `spectralGap` 0) are scored alike.
/// With negative weights (a similarity threshold τ < 0) Perron–Frobenius does not apply: the
/// eigenvector of λ_C is still returned, signed so that its entries sum to a positive number.
///
/// Solver: components of at most `denseCutoff` nodes go to LAPACK (`dsyevr`, the two largest
/// eigenpairs of the dense block); larger ones to ARPACK Lanczos on the CSR adjacency.
/// The diagnostics report the number of components, λ₁, the spectral gap `λ₁ − λ₂` of the whole
/// adjacency, Lanczos iterations and products, and the largest residual `‖A x − λ x‖`.
/// - Complexity: O(n + m) per Lanczos product; O(c³) per dense component of size c.
public struct EigenvectorCentrality: GraphCentrality {
    public var denseCutoff: Int
    /// Relative accuracy of the Ritz values passed to ARPACK (`‖A x − λ x‖ ≤ tol · |λ|`;
    /// 0 = machine precision). The default 1e-12 gives residuals of a few ulps of λ in about
    /// half the products that 0 needs; the vector's error is about `tol · λ₁ / (λ₁ − λ₂)`.
    public var tolerance: Double
    public var name: String { "eigenvector" }

    public init(denseCutoff: Int = 128, tolerance: Double = 1e-12) {
        self.denseCutoff = denseCutoff
        self.tolerance = tolerance
    }

    public func centrality(of graph: WeightedGraph) throws -> NodeScores {
        let n = graph.nodeCount
        let components = graph.components()
        var scores = [Double](repeating: 0, count: n)
        var leading = [Double](repeating: 0, count: components.count)
        var topEigenvalues = [Double]()
        var iterations = 0, products = 0, residual = 0.0
        var usedLanczos = false
        let nonNegative = !graph.hasNegativeWeights
        let isolatedNodes = components.members.reduce(0) { $0 + ($1.count == 1 ? 1 : 0) }

        for (c, members) in components.members.enumerated() {
            guard members.count > 1 else {
                scores[members[0]] = 1
                topEigenvalues.append(0)
                continue
            }
            let pair: (values: [Double], vector: [Double])
            let sub: WeightedGraph
            if members.count <= denseCutoff {
                sub = graph.induced(by: members)
                let eigen = try SymmetricEigen.selected(
                    sub.adjacency.dense(), indices: (members.count - 2)...(members.count - 1))
                pair = (eigen.values, eigen.eigenvector(1))
                residual = max(residual, residualNorm(sub.adjacency, pair.vector, eigen.values[1]))
            } else {
                // When every other node is isolated, the whole adjacency is this component plus
                // zero rows: its top eigenpairs are the component's (λ₁ > 0) or the zeros that the
                // whole-graph gap counts anyway, so it is solved without copying the component.
                let onlyComponentWithEdges = members.count + isolatedNodes == n
                sub = onlyComponentWithEdges ? graph : graph.induced(by: members)
                let result = try Lanczos(count: 2, target: .largestAlgebraic, tolerance: tolerance)
                    .solve(sub.adjacency)
                let vector = onlyComponentWithEdges ? members.map { result.vectors[1][$0] } : result.vectors[1]
                pair = (result.values, vector)
                iterations += result.iterations
                products += result.products
                residual = max(residual, result.maxResidual)
                usedLanczos = true
            }
            topEigenvalues.append(contentsOf: pair.values)
            leading[c] = pair.values[1]
            let sum = pair.vector.reduce(0, +)
            let sign: Double = sum < 0 ? -1 : 1
            for (i, u) in members.enumerated() {
                let x = sign * pair.vector[i]
                scores[u] = nonNegative && !(x > 0) ? 0 : x
            }
        }

        let lambdaMax = leading.max() ?? 0
        for (c, members) in components.members.enumerated() {
            let ratio = lambdaMax > 0 ? leading[c] / lambdaMax : 1
            for u in members { scores[u] *= ratio }
        }
        let norm = scores.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { scores = scores.map { $0 / norm } }

        topEigenvalues.sort(by: >)
        let gap = topEigenvalues.count > 1 ? topEigenvalues[0] - topEigenvalues[1] : nil
        return NodeScores(values: scores, diagnostics: ScoreDiagnostics(
            nodes: n, edges: graph.edgeCount, components: components.count,
            iterations: usedLanczos ? iterations : 0, products: usedLanczos ? products : 0,
            residual: residual, leadingEigenvalue: topEigenvalues.first ?? 0, spectralGap: gap))
    }

    private func residualNorm(_ a: CSRMatrix, _ x: [Double], _ lambda: Double) -> Double {
        let ax = a.applied(to: x)
        return zip(ax, x).reduce(0) { $0 + ($1.0 - lambda * $1.1) * ($1.0 - lambda * $1.1) }.squareRoot()
    }
}
