/// One importance score per neuron (or graph node), higher = more important, with what the
/// computation reports about itself.
public struct NodeScores: Equatable, Sendable {
    public var values: [Double]
    public var diagnostics: ScoreDiagnostics

    public init(values: [Double], diagnostics: ScoreDiagnostics) {
        self.values = values
        self.diagnostics = diagnostics
    }

    /// Node ids from most to least important: by score descending, ties by the lower id first.
    public func ranking() -> [Int] {
        values.indices.sorted { a, b in
            values[a] != values[b] ? values[a] > values[b] : a < b
        }
    }

    /// `ranks[u]` is node `u`'s position in `ranking()` (0 = most important).
    public func ranks() -> [Int] {
        var ranks = [Int](repeating: 0, count: values.count)
        for (position, node) in ranking().enumerated() { ranks[node] = position }
        return ranks
    }

    /// Which nodes survive pruning the `floor(ratio · n)` least important ones.
    /// `ratio · n` is floored after a relative tolerance of 1e-9, so that a decimal ratio such as
    /// 0.29 of 100 prunes 29 although `0.29 * 100` is 28.999… in binary.
    /// - Precondition: `0 ≤ ratio < 1`.
    public func keptMask(pruneRatio ratio: Double) -> [Bool] {
        precondition(ratio >= 0 && ratio < 1, "prune ratio must lie in [0, 1)")
        let n = values.count
        let pruned = min(n, Int((ratio * Double(n) * (1 + 1e-9)).rounded(.down)))
        var kept = [Bool](repeating: true, count: n)
        for node in ranking().suffix(pruned) { kept[node] = false }
        return kept
    }
}

/// What a scorer reports with its scores. Fields a method does not have stay nil.
public struct ScoreDiagnostics: Equatable, Sendable {
    public var nodes: Int
    public var edges: Int?
    public var components: Int?
    /// Lanczos restarts (ARPACK) summed over the components solved iteratively.
    public var iterations: Int?
    /// Operator applications of the iterative solver.
    public var products: Int?
    /// Largest eigen-residual `‖A x − λ x‖₂` of the returned vectors.
    public var residual: Double?
    /// The largest adjacency eigenvalue λ₁.
    public var leadingEigenvalue: Double?
    /// `λ₁ − λ₂` of the adjacency: 0 means the leading eigenvector is not unique.
    public var spectralGap: Double?

    public init(
        nodes: Int, edges: Int? = nil, components: Int? = nil, iterations: Int? = nil,
        products: Int? = nil, residual: Double? = nil, leadingEigenvalue: Double? = nil,
        spectralGap: Double? = nil
    ) {
        self.nodes = nodes
        self.edges = edges
        self.components = components
        self.iterations = iterations
        self.products = products
        self.residual = residual
        self.leadingEigenvalue = leadingEigenvalue
        self.spectralGap = spectralGap
    }
}
