import GraphPruneNumerics

/// The random control: scores drawn uniformly from [0, 1) by `SplitMix64(seed)`, one per neuron
/// in index order. Pruning by it removes a uniformly random subset of `floor(p · n)` neurons,
/// the baseline every structured criterion has to beat. Same seed ⇒ same scores.
/// - Complexity: O(n).
public struct RandomScorer: ImportanceScorer {
    public var seed: UInt64
    public var name: String { "random" }

    public init(seed: UInt64) { self.seed = seed }

    public func scores<S: BLASScalar>(neurons: Matrix<S>) throws -> NodeScores {
        var generator = SplitMix64(seed: seed)
        let values = (0..<neurons.rows).map { _ in generator.nextUnitDouble() }
        return NodeScores(values: values, diagnostics: ScoreDiagnostics(nodes: neurons.rows))
    }
}
