import GraphPruneNumerics

/// Signed edge scores (GraSP) made usable by the rankings: every candidate connection of every
/// layer gets its rank among all of them, 1 for the lowest score, tied scores the mean of their
/// ranks, 0 off the candidates. The order is the scores' order over all layers at once, so a
/// per-layer top-k (greedy) and a global top-k (global) keep exactly the connections the
/// signed scores would.
enum SignedEdgeScores {
    /// - Parameters:
    ///   - scores: one out × in matrix per layer.
    ///   - candidates: the same shapes, nonzero where a connection may be kept.
    /// - Complexity: O(N log N) for N candidate connections.
    static func ranks(_ scores: [Matrix<Double>], candidates: [Matrix<Double>]) -> [Matrix<Double>] {
        var entries = [(value: Double, layer: Int, index: Int)]()
        for (l, c) in candidates.enumerated() {
            for e in c.elements.indices where c.elements[e] != 0 { entries.append((scores[l].elements[e], l, e)) }
        }
        entries.sort { $0.value < $1.value || ($0.value == $1.value && ($0.layer, $0.index) < ($1.layer, $1.index)) }
        var ranks = scores.map { Matrix<Double>(rows: $0.rows, columns: $0.columns) }
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].value == entries[start].value { end += 1 }
            let rank = Double(start + 1 + end) / 2  // the mean of ranks start+1 … end
            for k in start..<end { ranks[entries[k].layer].elements[entries[k].index] = rank }
            start = end
        }
        return ranks
    }
}
