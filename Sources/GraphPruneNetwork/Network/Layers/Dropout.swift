import GraphPruneNumerics

/// Inverted dropout with drop probability `rate` = p.
///
/// In training each unit is kept with probability `1 − p` and scaled by `1/(1 − p)`, so the
/// expected activation is unchanged and evaluation is the identity:
/// ```
/// m_i = 1/(1 − p)  if u_i < 1 − p,  else 0      (u_i uniform on [0, 1) from the generator)
/// y = m ⊙ x,   ∂L/∂x = m ⊙ ∂L/∂y
/// ```
/// One `nextUnitDouble()` is drawn per unit in row-major order (row = sample), so the same
/// generator state gives the same mask. With `rate == 0` nothing is drawn. The mask buffer is
/// kept in the layer and only grows (a larger batch); `backward` uses the mask of the last
/// `forward`, or passes the gradient through if that forward was in evaluation.
/// - Complexity: O(batch · features) per pass.
public struct Dropout: StatelessLayer {
    /// Probability p ∈ [0, 1) of zeroing a unit in training.
    public let rate: Float
    /// The mask of the last training forward: `1/(1 − p)` or 0 per unit (its first
    /// `batch · features` entries are the live ones).
    internal private(set) var mask: [Float] = []
    /// Whether the last forward applied `mask` (training with p > 0).
    internal private(set) var masked = false

    public init(rate: Float) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
    }

    public func outputSize(inputSize: Int) -> Int { inputSize }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        precondition(output.rows == input.rows && output.columns == input.columns,
                     "Dropout output buffer is \(output.rows)×\(output.columns), needs \(input.rows)×\(input.columns)")
        masked = training && rate > 0
        guard masked else {
            Dropout.multiply(input.elements, by: nil, into: &output.elements)
            return
        }
        let count = input.elements.count
        if mask.count < count { mask = [Float](repeating: 0, count: count) }
        let keep = 1 - Double(rate)
        let scale = Float(1 / keep)
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<count { m[i] = generator.nextUnitDouble() < keep ? scale : 0 }
        }
        Dropout.multiply(input.elements, by: mask, into: &output.elements)
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        precondition(outputGradient.elements.count == inputGradient.elements.count
                     && inputGradient.rows == input.rows && inputGradient.columns == input.columns,
                     "Dropout gradient buffers do not match the input \(input.rows)×\(input.columns)")
        Dropout.multiply(outputGradient.elements, by: masked ? mask : nil, into: &inputGradient.elements)
    }

    /// `y ← m ⊙ x` over `x.count` entries (a plain copy when `m` is nil).
    private static func multiply(_ x: [Float], by m: [Float]?, into y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                guard let m else {
                    if let base = xp.baseAddress { yp.baseAddress!.update(from: base, count: xp.count) }
                    return
                }
                m.withUnsafeBufferPointer { mp in
                    for i in 0..<xp.count { yp[i] = xp[i] * mp[i] }
                }
            }
        }
    }
}

extension Dropout {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    public var pathOperation: PathOperation { .identity }
}
