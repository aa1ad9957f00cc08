import GraphPruneNumerics

/// Effective resistances `Reff(u, v) = (e_u − e_v)ᵀ L⁺ (e_u − e_v)` of the edges of a graph with
/// non-negative weights, `L = D − A` its Laplacian and `L⁺` the Moore–Penrose pseudo-inverse.
///
/// Two exact routes:
/// - `byPseudoinverse`: any graph; `L⁺ = V diag(1/λ) Vᵀ` over the nonzero eigenvalues of a full
///   LAPACK eigendecomposition (`dsyevd`). O(n³) time, O(n²) memory: the reference.
/// - `bySchurComplement`: a layer's bipartite graph, in matrix-multiply time (see there).
///
/// Foster's theorem checks either: `Σ_e w_e Reff(e) = n − (number of components)`.
public enum EffectiveResistance {
    /// Eigenvalues below `relativeNullTolerance · λ_max` count as the Laplacian's null space
    /// (one per connected component).
    public static let relativeNullTolerance = 1e-10

    /// `values[k]` is the resistance of the edge stored at `graph.adjacency` position `k` (both
    /// directions of an edge carry the same value).
    /// - Complexity: O(n³) time, O(n²) memory.
    public static func byPseudoinverse(_ graph: WeightedGraph) throws -> [Double] {
        try requireNonNegative(graph.adjacency.values)
        let pinv = try laplacianPseudoinverse(graph)
        let a = graph.adjacency, n = graph.nodeCount
        var values = [Double](repeating: 0, count: a.storedCount)
        for u in 0..<n {
            for k in a.rowStarts[u]..<a.rowStarts[u + 1] {
                let v = Int(a.columnIndices[k])
                values[k] = pinv[u, u] + pinv[v, v] - 2 * pinv[u, v]
            }
        }
        return values
    }

    /// `L⁺` of the graph's Laplacian from a full eigendecomposition.
    public static func laplacianPseudoinverse(_ graph: WeightedGraph) throws -> Matrix<Double> {
        let n = graph.nodeCount
        var laplacian = graph.adjacency.dense()
        let d = graph.degrees()
        for i in 0..<n {
            for j in 0..<n { laplacian[i, j] = -laplacian[i, j] }
            laplacian[i, i] = d[i]
        }
        let eigen = try SymmetricEigen.full(laplacian)
        guard let vectors = eigen.vectors, let largest = eigen.values.last else { return laplacian }
        // V diag(1/λ) Vᵀ = (V diag(1/√λ)) (V diag(1/√λ))ᵀ over λ > tolerance.
        var scaled = vectors
        for k in 0..<n {
            let lambda = eigen.values[k]
            let factor = lambda > relativeNullTolerance * largest ? 1 / lambda.squareRoot() : 0
            for i in 0..<n { scaled[i, k] *= factor }
        }
        return scaled.gram()
    }

    /// Foster's sum `Σ_e w_e Reff(e)` over the undirected edges of `graph`.
    public static func fosterSum(_ graph: WeightedGraph, resistances: [Double]) -> Double {
        zip(graph.adjacency.values, resistances).reduce(0) { $0 + $1.0 * $1.1 } / 2
    }

    static func requireNonNegative(_ weights: [Double]) throws {
        if let bad = weights.first(where: { !($0 >= 0) || !$0.isFinite }) {
            throw NumericalError.invalidInput("effective resistances need finite non-negative edge weights; found \(bad)")
        }
    }
}
