import GraphPruneNumerics

/// Clipping to an interval, entrywise: `y = min(max(x, a), b)` — ReLU6 is `a = 0`, `b = 6`
/// (PyTorch's `Hardtanh(a, b)` / `ReLU6`, ONNX's `Clip`).
///
/// Backward passes the gradient strictly inside the interval: `∂L/∂x = ∂L/∂y · [a < x < b]`
/// (0 at the ends, as PyTorch's `hardtanh_backward`).
/// - Complexity: O(batch · features), one pass, no allocation.
public struct Clip: StatelessLayer {
    public let minimum: Float
    public let maximum: Float

    /// Clipping to `[minimum, maximum]` (traps unless `minimum ≤ maximum`).
    public init(minimum: Float, maximum: Float) {
        precondition(minimum <= maximum, "Clip: minimum \(minimum) exceeds maximum \(maximum)")
        (self.minimum, self.maximum) = (minimum, maximum)
    }

    public func outputSize(inputSize: Int) -> Int { inputSize }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        output.requireShape(input.rows, input.columns, "Clip output buffer")
        let (a, b) = (minimum, maximum)
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = min(max(x[i], a), b) }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        outputGradient.requireShape(input.rows, input.columns, "Clip output gradient")
        inputGradient.requireShape(input.rows, input.columns, "Clip input gradient")
        let (a, b) = (minimum, maximum)
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<x.count { dx[i] = x[i] > a && x[i] < b ? g[i] : 0 }
                }
            }
        }
    }
}

extension Clip {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    /// Linearised as the identity, like ReLU (SynFlow's path sums ignore the upper bound).
    public var pathOperation: PathOperation { .identity }
}
