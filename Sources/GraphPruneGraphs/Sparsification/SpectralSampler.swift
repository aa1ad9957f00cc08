import Foundation
import GraphPruneNumerics

/// Paper 004's edge sampler (Spielman–Srivastava, in the paper's appendix form).
///
/// Edge `e` with leverage `ℓ_e = w_e · Reff(e)` is kept with probability
/// `p_e(ε) = min(1, C · ln n · ℓ_e · ε)` (`C = 5`, `n` = nodes of the graph), independently.
/// With `reweight`, a kept edge's weight becomes `w_e / p_e`, so that `E[L_H] = L_G` (graph
/// sparsification); without it the result is a pruning mask (the default for networks).
///
/// All randomness is one uniform `u_e ∈ [0, 1)` per edge, drawn from `SplitMix64(seed)` in edge
/// order: `e` is kept at `ε` iff `u_e < p_e(ε)`, i.e. iff `ε > t_e = u_e / (C · ln n · ℓ_e)`.
/// The samples for all ε are thereby coupled, and an **exact count** `k` is reached as the
/// paper's appendix prescribes: the largest ε whose sample has at most `k` edges (the edges with
/// the smallest `t_e`, found by one sort instead of a bisection on ε), then uniformly random
/// further edges up to exactly `k`.
public struct SpectralSampler: Sendable {
    public var constant: Double
    public var seed: UInt64

    public init(constant: Double = 5, seed: UInt64) {
        self.constant = constant
        self.seed = seed
    }

    /// An exact-count sample.
    public struct Sample: Equatable, Sendable {
        /// `kept[e]` for every candidate edge.
        public var kept: [Bool]
        /// `p_e` at the chosen ε (the reweighting divisor); 1 for top-up edges whose `p_e` is 0.
        public var probabilities: [Double]
        /// The ε whose Bernoulli sample was taken (`nil` when no edge was sampled by ε).
        public var epsilon: Double?
        /// Edges chosen by the ε-sample; the rest of `count` were added uniformly at random.
        public var sampled: Int
        public var toppedUp: Int
    }

    /// Bernoulli sampling at a given ε (Algorithm 1): `kept[e]` and `p_e`.
    public func sample(leverage: [Double], nodeCount: Int, epsilon: Double) -> (kept: [Bool], probabilities: [Double]) {
        let u = uniforms(leverage.count)
        let p = probabilities(leverage, nodeCount: nodeCount, epsilon: epsilon)
        return (zip(u, p).map { $0 < $1 }, p)
    }

    /// Exactly `count` of the edges (see the type's documentation).
    /// - Complexity: O(m log m).
    public func sample(leverage: [Double], nodeCount: Int, count: Int) -> Sample {
        let m = leverage.count
        precondition(count >= 0 && count <= m, "count must lie in 0...\(m)")
        var generator = SplitMix64(seed: seed)
        let u = (0..<m).map { _ in generator.nextUnitDouble() }
        let scale = constant * log(Double(max(nodeCount, 1)))
        let thresholds = (0..<m).map { e in
            leverage[e] > 0 && scale > 0 ? u[e] / (scale * leverage[e]) : Double.infinity
        }
        let order = (0..<m).sorted { (thresholds[$0], $0) < (thresholds[$1], $1) }
        // The largest k ≤ count that a strict threshold ε separates from the rest.
        var k = count
        while k > 0 && k < m && !(thresholds[order[k - 1]] < thresholds[order[k]]) { k -= 1 }
        while k > 0 && thresholds[order[k - 1]] == .infinity { k -= 1 }
        // Any ε in (t_(k), t_(k+1)) selects exactly the first k; report the midpoint, so that
        // rounding in p_e(ε) cannot move an edge across (sampling at it reproduces the set).
        let epsilon: Double? = k == 0 ? nil
            : (k < m && thresholds[order[k]].isFinite
                ? (thresholds[order[k - 1]] + thresholds[order[k]]) / 2 : 2 * thresholds[order[k - 1]])
        var kept = [Bool](repeating: false, count: m)
        for e in order.prefix(k) { kept[e] = true }
        // Top up with uniformly random other edges (partial Fisher–Yates, same generator).
        var rest = Array(order.suffix(m - k))
        rest.sort()
        for i in 0..<(count - k) {
            let j = i + Int(generator.next() % UInt64(rest.count - i))
            rest.swapAt(i, j)
            kept[rest[i]] = true
        }
        var p = epsilon.map { probabilities(leverage, nodeCount: nodeCount, epsilon: $0) }
            ?? [Double](repeating: 0, count: m)
        for e in 0..<m where kept[e] && p[e] == 0 { p[e] = 1 }
        return Sample(kept: kept, probabilities: p, epsilon: epsilon, sampled: k, toppedUp: count - k)
    }

    /// `p_e(ε) = min(1, C · ln n · ℓ_e · ε)`.
    public func probabilities(_ leverage: [Double], nodeCount: Int, epsilon: Double) -> [Double] {
        let scale = constant * log(Double(max(nodeCount, 1))) * epsilon
        return leverage.map { min(1, scale * $0) }
    }

    private func uniforms(_ m: Int) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<m).map { _ in generator.nextUnitDouble() }
    }
}
