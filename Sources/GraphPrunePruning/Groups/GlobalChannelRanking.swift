import GraphPruneGraphs

/// Which channels structured pruning removes: the lowest scored of each group (`layer`, every
/// group loses `⌊p · n_g⌋`), or the lowest over all groups together (`global`, Torch-Pruning's
/// global pruning), after each group's scores are divided by a normaliser so that layers of
/// different scales compare.
public enum NeuronScope: String, CaseIterable, Codable, Sendable { case layer, global }

/// The per-group normaliser of global ranking: the mean (the default: a channel then counts by
/// how it compares with its own layer's typical channel, as Torch-Pruning's default), the
/// maximum, or the L2 norm of the group's scores.
public enum ScoreNormalization: String, CaseIterable, Codable, Sendable { case mean, max, l2 }

enum GlobalChannelRanking {
    /// The kept channels of each group (ascending) when `⌊p · Σ n_g⌋` channels are removed over
    /// all groups together (the count rule of `NeuronPruning.prunedCount`): every group's scores
    /// divided by its normaliser, then removed from the lowest up — ties to the earlier group,
    /// then the lower channel — skipping any channel whose group is down to `minimumWidth`.
    /// - Throws: `NeuronPruningError.invalidOption` when a group's normaliser is not a positive
    ///   finite number (scores of mixed sign cannot be normalised so).
    /// - Complexity: O(N log N) for N channels in all.
    static func kept(
        scores: [NodeScores], names: [String], ratio: Double, minimumWidth: Int, normalization: ScoreNormalization
    ) throws -> [[Int]] {
        var entries = [(value: Double, group: Int, channel: Int)]()
        for (g, s) in scores.enumerated() {
            let values = s.values
            let normaliser: Double
            switch normalization {
            case .mean: normaliser = values.reduce(0, +) / Double(max(1, values.count))
            case .max: normaliser = values.max() ?? 0
            case .l2: normaliser = values.map { $0 * $0 }.reduce(0, +).squareRoot()
            }
            guard normaliser > 0 && normaliser.isFinite else {
                throw NeuronPruningError.invalidOption("\(names[g]): global ranking divides by the group's \(normalization.rawValue) score, which is \(normaliser); it needs a positive one")
            }
            for (c, v) in values.enumerated() { entries.append((v / normaliser, g, c)) }
        }
        entries.sort { ($0.value, $0.group, $0.channel) < ($1.value, $1.group, $1.channel) }
        let total = NeuronPruning.prunedCount(ratio: ratio, units: entries.count)
        var remaining = scores.map(\.values.count)
        var removed = scores.map { [Bool](repeating: false, count: $0.values.count) }
        var count = 0
        for e in entries where count < total && remaining[e.group] > minimumWidth {
            removed[e.group][e.channel] = true
            remaining[e.group] -= 1
            count += 1
        }
        return removed.map { r in r.indices.filter { !r[$0] } }
    }
}
