import GraphPruneGraphs
import GraphPruneNetwork
import GraphPruneNumerics

/// How the channels of a dependency group with several producers become one score each.
///
/// - `concatenated` (the default): channel `k`'s vector is the concatenation of row `k` of
///   every producer's weight (out × in; in the group's producer order), and the scorer sees the
///   group as one layer of `units` neurons with `Σ inputs` weights each. A residual channel's
///   value is the sum of its producers' outputs, so these are all its incoming weights: for a
///   single layer this is exactly its rows (paper 002's neuron vector), and a similarity graph
///   compares channels by everything that makes them.
/// - `mean`, `max`, `sum`: each producer's rows are scored alone and channel `k` gets the mean,
///   maximum or sum of its scores — Torch-Pruning's group reductions, for scorers whose values
///   are comparable across layers (magnitudes).
///
/// Diagnostics (similarity-graph edges, components) are those of the concatenated layer, or
/// of the first producer for a reduction.
public enum GroupScoring: String, CaseIterable, Codable, Sendable {
    case concatenated, mean, max, sum

    /// One score per channel of `group` (a group of one layer: `scorer` on its rows).
    /// - Throws: the scorer's errors, and `NeuronPruningError.scoreCount` when it returns
    ///   another count than `group.units`.
    public func scores(of group: DependencyGroup, in model: Network, with scorer: any ImportanceScorer) throws -> NodeScores {
        let names = model.architecture.names
        let rows = group.producers.map { model.layers[$0].connections!.weight }
        let name = names[group.producers[0]]
        if rows.count == 1 || self == .concatenated {
            return try Self.score(rows.count == 1 ? rows[0] : Self.concatenate(rows), name: name, with: scorer)
        }
        let each = try zip(group.producers, rows).map { try Self.score($1, name: names[$0], with: scorer) }
        let values = (0..<group.units).map { k -> Double in
            let column = each.map { $0.values[k] }
            switch self {
            case .mean: return column.reduce(0, +) / Double(column.count)
            case .max: return column.max()!
            case .sum, .concatenated: return column.reduce(0, +)
            }
        }
        return NodeScores(values: values, diagnostics: each[0].diagnostics)
    }

    /// `[R₁ R₂ …]`: the producers' rows side by side (every matrix has the group's rows).
    static func concatenate(_ rows: [Matrix<Float>]) -> Matrix<Float> {
        let width = rows.reduce(0) { $0 + $1.columns }
        var out = Matrix<Float>(rows: rows[0].rows, columns: width)
        for r in 0..<out.rows {
            var offset = r * width
            for m in rows {
                out.elements.replaceSubrange(offset..<(offset + m.columns), with: m.row(r))
                offset += m.columns
            }
        }
        return out
    }

    /// `scorer` on `rows` (one row per neuron), checking the count.
    static func score(_ rows: Matrix<Float>, name: String, with scorer: any ImportanceScorer) throws -> NodeScores {
        let scores = try scorer.scores(neurons: rows)
        guard scores.values.count == rows.rows else {
            throw NeuronPruningError.scoreCount(name: name, scorer: scorer.name, expected: rows.rows, got: scores.values.count)
        }
        return scores
    }
}
