import GraphPruneNumerics

/// The edge-level counterpart of `ImportanceScorer`: one non-negative score per weight of every
/// layer, higher = more important. Layers are given together because network-wide scores need
/// them all; `layers[l]` is layer `l`'s weight matrix, **out × in**, and the result has the same
/// shapes. Scores that need the model itself (SynFlow) or training data (SNIP) are model edge
/// scorers of the pruning layer instead.
public protocol EdgeScorer: Sendable {
    var name: String { get }
    func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>]
}

/// `|w|`, the magnitude score.
public struct MagnitudeEdgeScorer: EdgeScorer {
    public var name: String { "magnitude" }
    public init() {}
    public func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>] {
        layers.map { m in Matrix(rows: m.rows, columns: m.columns, elements: m.elements.map { abs($0) }) }
    }
}

/// LAMP, layer-adaptive magnitude-based pruning (Lee et al. 2021): within each layer, with its
/// weights sorted by magnitude, `u_1 ≤ … ≤ u_n` (ties in row-major order),
/// ```
/// score(u_i) = u_i² / Σ_{j ≥ i} u_j²
/// ```
/// so every layer's largest weight scores 1 and the scores are comparable across layers: one
/// global threshold on them (`--method global`) prunes each layer in proportion to how much of
/// its weights' energy the rest holds, and never empties a layer. Pruned (zero) weights score 0.
/// - Complexity: O(n log n) per layer of `n` weights.
public struct LAMPEdgeScorer: EdgeScorer {
    public var name: String { "lamp" }
    public init() {}
    public func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>] {
        layers.map { m in
            let squares = m.elements.map { $0 * $0 }
            let order = squares.indices.sorted { (squares[$0], $0) < (squares[$1], $1) }
            var scores = [Double](repeating: 0, count: squares.count)
            var tail = 0.0
            for k in order.reversed() {
                tail += squares[k]
                scores[k] = tail > 0 ? squares[k] / tail : 0
            }
            return Matrix(rows: m.rows, columns: m.columns, elements: scores)
        }
    }
}

/// Scores computed elsewhere (by a model edge scorer), handed to `NetworkSparsifier` through its
/// `scorer`: returns `scores` for layers of the same shapes and ignores the weights' values.
public struct GivenEdgeScores: EdgeScorer {
    public var name: String
    /// One matrix per layer, out × in, non-negative.
    public var scores: [Matrix<Double>]

    public init(_ scores: [Matrix<Double>], name: String = "given") {
        self.scores = scores
        self.name = name
    }

    /// - Throws: `NumericalError.invalidInput` when the layers' count or shapes differ from the
    ///   scores', or a score is negative or not finite.
    public func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>] {
        guard layers.count == scores.count else {
            throw NumericalError.invalidInput("\(name) scores: \(scores.count) layers of scores for \(layers.count) layers")
        }
        for (l, (w, s)) in zip(layers, scores).enumerated() {
            guard w.rows == s.rows && w.columns == s.columns else {
                throw NumericalError.invalidInput("\(name) scores: layer \(l) scores are \(s.rows)×\(s.columns), the weights \(w.rows)×\(w.columns)")
            }
            if let bad = s.elements.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw NumericalError.invalidInput("\(name) scores: layer \(l) entry (\(bad / s.columns), \(bad % s.columns)) = \(s.elements[bad]) is not a finite non-negative score")
            }
        }
        return scores
    }
}

/// Weight-only edge scorers by name (same style as `ScorerRegistry`), usable by
/// `NetworkSparsifier` directly. Scores that need the model or data (SNIP, SynFlow) are made by
/// the pruning layer's `ModelEdgeScorerRegistry`, which also offers every scorer here.
public struct EdgeScorerRegistry: Sendable {
    public typealias Factory = @Sendable () -> any EdgeScorer
    private var factories: [(name: String, make: Factory)]

    /// The scorers' names, in registration order.
    public var names: [String] { factories.map(\.name) }

    public static let standard = EdgeScorerRegistry(factories: [("magnitude", { MagnitudeEdgeScorer() }), ("lamp", { LAMPEdgeScorer() })])

    public func registering(_ name: String, make: @escaping Factory) -> EdgeScorerRegistry {
        var copy = self
        copy.factories.removeAll { $0.name == name }
        copy.factories.append((name, make))
        return copy
    }

    /// Whether `name` is a weight-only scorer here.
    public func contains(_ name: String) -> Bool { factories.contains { $0.name == name } }

    /// The scorer `name`.
    /// - Throws: `ScorerError.unknownScorer` listing the known names.
    public func make(_ name: String) throws -> any EdgeScorer {
        guard let entry = factories.first(where: { $0.name == name }) else {
            throw ScorerError.unknownScorer(name, known: names)
        }
        return entry.make()
    }
}
