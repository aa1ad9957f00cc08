import Foundation
import GraphPruneNumerics

/// SynFlow (Tanaka, Kunin, Yamins & Ganguli 2020, "Pruning neural networks without any data by
/// iteratively conserving synaptic flow"), data-free:
/// ```
/// R(W) = 1ᵀ (Π_l |W_l|) 1,       score(w) = |∂R/∂w ⊙ w|
/// ```
/// on the linearised network of ``SynFlowNetwork`` (all-ones input, `|w|`, biases 0, ReLU as
/// the identity; see there for SReLU, dropout, pooling, BatchNorm and residual sums), in
/// `Double`, on any graph.
///
/// **Iterations** (the paper's Algorithm 1). With `n = iterations`, target density `q` and `m`
/// candidate connections over the scored layers (`context.positions`), round `k = 1 … n − 1`
/// scores the network masked by the previous rounds and keeps the `round(q^{k/n} · m)` highest
/// scores **globally** (ties to the lower (layer, row-major index)); round `n` scores the network
/// masked by round `n − 1`, and those scores are returned — the caller's final selection to
/// density `q` (global top-k for SynFlow proper, or layerwise greedy/spectral as in paper 004) is
/// the last round. With `n = 1` the result is the single-shot score of the unmasked network.
/// Pruned connections score 0 (their `|w| · m` is 0), so they are never chosen again.
///
/// - Complexity: `n` forward/backward passes on one sample plus `n − 1` sorts of the `m`
///   candidates, O(n · (flops of one sample + m log m)).
public struct SynFlowEdgeScorer: ModelEdgeScorer {
    public var iterations: Int
    /// Use `|b|` for biases (the reference code) instead of 0 (the paper's `R`).
    public var absoluteBiases: Bool
    public var name: String { "synflow" }

    public init(iterations: Int = 100, absoluteBiases: Bool = false) {
        self.iterations = iterations
        self.absoluteBiases = absoluteBiases
    }

    /// - Throws: `EdgePruningError` for a bad option, `NumericalError.invalidInput` when `R`
    ///   overflows.
    public func scores(_ context: EdgeScoringContext) throws -> [Matrix<Double>] {
        try EdgeLayers.checkPositions(context)
        guard iterations > 0 else { throw EdgePruningError.invalidOption("synflow: iterations \(iterations) must be positive") }
        guard context.density > 0 && context.density <= 1 else {
            throw EdgePruningError.invalidOption("density \(context.density) is outside (0, 1]")
        }
        var masks = context.connections()
        let total = masks.reduce(0) { $0 + $1.elements.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
        let magnitudes = context.weights().map { w in w.elements.map { abs($0) } }  // |W| of each scored layer
        for round in 1...iterations {
            let network = SynFlowNetwork(
                model: context.model,
                masks: Dictionary(uniqueKeysWithValues: zip(context.positions, masks)),
                absoluteBiases: absoluteBiases)
            let gradients = try network.pathGradients().gradients
            // score = ∂R/∂|W| ⊙ |W| ⊙ m (the effective weight of the masked, linearised layer)
            let scores = context.positions.enumerated().map { k, p -> Matrix<Double> in
                var s = gradients[p]!
                for e in s.elements.indices { s.elements[e] *= magnitudes[k][e] * masks[k].elements[e] }
                return s
            }
            if round == iterations { return scores }
            let keep = Int((pow(context.density, Double(round) / Double(iterations)) * Double(total)).rounded())
            masks = Self.globalTop(scores, among: masks, keep: keep)
        }
        preconditionFailure("unreachable: the last round returns")
    }

    /// 0/1 masks keeping the `keep` highest `scores` among the entries where `among` is nonzero,
    /// over all layers together; ties go to the lower (layer, row-major index).
    static func globalTop(_ scores: [Matrix<Double>], among: [Matrix<Double>], keep: Int) -> [Matrix<Double>] {
        var entries = [(score: Double, layer: Int, index: Int)]()
        for (l, m) in among.enumerated() {
            for e in m.elements.indices where m.elements[e] != 0 { entries.append((scores[l].elements[e], l, e)) }
        }
        entries.sort { $0.score != $1.score ? $0.score > $1.score : ($0.layer, $0.index) < ($1.layer, $1.index) }
        var masks = among.map { Matrix<Double>(rows: $0.rows, columns: $0.columns) }
        for entry in entries.prefix(keep) { masks[entry.layer].elements[entry.index] = 1 }
        return masks
    }
}
