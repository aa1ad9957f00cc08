import Foundation
import GraphPruneNumerics

/// How a layer's weights are first drawn (biases start at 0).
///
/// For a layer with `fanIn = inputs` and `fanOut = outputs`:
/// - `glorotUniform` — Glorot & Bengio (2010), Keras's default: `W_ij ~ U(−a, a)` with
///   `a = √(6 / (fanIn + fanOut))`, variance `a²/3 = 2/(fanIn + fanOut)`.
/// - `kaimingNormal` — He et al. (2015) for ReLU networks, PyTorch's
///   `kaiming_normal_(mode="fan_in", nonlinearity="relu")` as used by OpenLTH:
///   `W_ij ~ N(0, 2 / fanIn)`.
///
/// Entries are filled in row-major order of the `outputs × inputs` matrix from the run's
/// `SplitMix64`: one `nextUnitDouble()` per uniform entry; the normal entries come in pairs
/// `(z₀, z₁)` from one Box–Muller draw of two uniforms (an odd count drops the last `z₁`).
/// The same seed therefore gives bit-identical weights on every machine.
public enum Initializer: String, Sendable, CaseIterable, Codable {
    case glorotUniform
    case kaimingNormal

    /// An `outputs × inputs` weight matrix (PyTorch orientation) drawn from `generator`.
    /// - Complexity: O(outputs · inputs) draws.
    public func weights(outputs: Int, inputs: Int, generator: inout SplitMix64) -> Matrix<Float> {
        precondition(outputs >= 0 && inputs >= 0, "negative layer shape \(outputs)×\(inputs)")
        var w = Matrix<Float>(rows: outputs, columns: inputs)
        guard outputs > 0, inputs > 0 else { return w }
        switch self {
        case .glorotUniform:
            let a = (6 / Double(inputs + outputs)).squareRoot()
            w.elements.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = Float(-a + 2 * a * generator.nextUnitDouble()) }
            }
        case .kaimingNormal:
            let sigma = (2 / Double(inputs)).squareRoot()
            w.elements.withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < p.count {
                    let (z0, z1) = generator.nextGaussianPair()
                    p[i] = Float(sigma * z0)
                    if i + 1 < p.count { p[i + 1] = Float(sigma * z1) }
                    i += 2
                }
            }
        }
        return w
    }
}
