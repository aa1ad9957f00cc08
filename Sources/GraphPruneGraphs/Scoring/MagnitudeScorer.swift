import GraphPruneNumerics

/// The structured-magnitude baseline: the L1 or L2 norm of each neuron's incoming weight vector
/// (`‖w_i‖₁` or `‖w_i‖₂`, row `i` of the `n × d` neuron-rows matrix).
/// - Complexity: O(n d).
public struct MagnitudeScorer: ImportanceScorer {
    public enum Norm: String, Sendable, CaseIterable { case l1, l2 }

    public var norm: Norm
    public var name: String { "magnitude" }

    public init(norm: Norm = .l2) { self.norm = norm }

    public func scores<S: BLASScalar>(neurons: Matrix<S>) throws -> NodeScores {
        let values: [Double]
        switch norm {
        case .l2:
            values = neurons.rowNorms().map { Double($0) }
        case .l1:
            values = (0..<neurons.rows).map { i in neurons.row(i).reduce(0.0) { $0 + abs(Double($1)) } }
        }
        return NodeScores(values: values, diagnostics: ScoreDiagnostics(nodes: neurons.rows))
    }
}
