import GraphPruneNumerics

/// The Erdős–Rényi sparse initialisation of SET (Mocanu et al. 2018) and CenSET: every position
/// of an `outputs × inputs` weight matrix is kept independently with the same probability
/// ```
/// p = min(1, ε (n_in + n_out) / (n_in · n_out))
/// ```
/// so a layer keeps about `ε (n_in + n_out)` connections — linear, not quadratic, in its width.
/// ε = 20 in SET and CenBench. The expected number of connections per output neuron is
/// `p · n_in`, per input `p · n_out`.
///
/// **Reproducibility:** the pattern draws exactly one `nextUnitDouble()` per position, in
/// row-major order of the `outputs × inputs` matrix (PyTorch orientation, row `j` = output
/// neuron `j`), and keeps the position when `u < p`. SET's NumPy code draws over the Keras
/// `inputs × outputs` kernel and keeps `u ≥ 1 − p`: the same distribution, not the same stream.
public enum ErdosRenyi {
    /// `min(1, ε (n_in + n_out) / (n_in · n_out))`, the probability that a position is kept.
    /// An empty layer (no inputs or no outputs) has density 1: there is nothing to leave out.
    public static func density(inputs: Int, outputs: Int, epsilon: Double) -> Double {
        precondition(inputs >= 0 && outputs >= 0, "negative layer shape \(outputs)×\(inputs)")
        precondition(epsilon >= 0, "Erdős–Rényi ε must be ≥ 0, got \(epsilon)")
        guard inputs > 0, outputs > 0 else { return 1 }
        return min(1, epsilon * Double(inputs + outputs) / (Double(inputs) * Double(outputs)))
    }

    /// The kept positions `(output, input)`, sorted by output then input (row-major order).
    /// - Complexity: O(inputs · outputs) draws; the result holds ≈ `density · inputs · outputs`.
    public static func pattern(
        inputs: Int, outputs: Int, epsilon: Double, generator: inout SplitMix64
    ) -> [(output: Int, input: Int)] {
        let p = density(inputs: inputs, outputs: outputs, epsilon: epsilon)
        var kept = [(output: Int, input: Int)]()
        kept.reserveCapacity(Int((p * Double(inputs) * Double(outputs)).rounded(.up)))
        for j in 0..<outputs {
            for i in 0..<inputs where generator.nextUnitDouble() < p { kept.append((j, i)) }
        }
        return kept
    }
}

extension Initializer {
    /// `count` weights of a layer whose **dense** shape is `fanOut × fanIn`, drawn in order from
    /// `generator` with the same distributions and draw conventions as
    /// `weights(outputs:inputs:generator:)`: Glorot `U(−a, a)`, `a = √(6 / (fanIn + fanOut))`,
    /// one uniform per weight; Kaiming `N(0, 2 / fanIn)`, normals in Box–Muller pairs.
    ///
    /// A sparse layer keeps the dense fan-in and fan-out, as SET's Keras code does (it draws the
    /// full Glorot kernel and multiplies by the mask): the weights under the mask have the
    /// dense layer's distribution, only fewer of them are drawn.
    /// - Complexity: O(count) draws.
    func sparseValues(count: Int, fanIn: Int, fanOut: Int, generator: inout SplitMix64) -> [Float] {
        precondition(count >= 0 && fanIn > 0 && fanOut > 0 || count == 0, "weights of an empty layer")
        var out = [Float](repeating: 0, count: count)
        guard count > 0 else { return out }
        switch self {
        case .glorotUniform:
            let a = (6 / Double(fanIn + fanOut)).squareRoot()
            for k in 0..<count { out[k] = Float(-a + 2 * a * generator.nextUnitDouble()) }
        case .kaimingNormal:
            let sigma = (2 / Double(fanIn)).squareRoot()
            var k = 0
            while k < count {
                let (z0, z1) = generator.nextGaussianPair()
                out[k] = Float(sigma * z0)
                if k + 1 < count { out[k + 1] = Float(sigma * z1) }
                k += 2
            }
        }
        return out
    }
}
