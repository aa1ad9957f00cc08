import Foundation
import GraphPruneNumerics

/// The logistic function, entrywise: `y = σ(x) = 1 / (1 + e^{−x})` (a squeeze-excitation gate).
///
/// Backward from the output: `∂L/∂x = ∂L/∂y · y (1 − y)`.
/// - Complexity: O(batch · features), one pass, no allocation.
public struct Sigmoid: StatelessLayer {
    public init() {}

    public func outputSize(inputSize: Int) -> Int { inputSize }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        output.requireShape(input.rows, input.columns, "Sigmoid output buffer")
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = 1 / (1 + Foundation.exp(-x[i])) }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        outputGradient.requireShape(output.rows, output.columns, "Sigmoid output gradient")
        inputGradient.requireShape(output.rows, output.columns, "Sigmoid input gradient")
        output.elements.withUnsafeBufferPointer { y in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<y.count { dx[i] = g[i] * y[i] * (1 - y[i]) }
                }
            }
        }
    }
}

extension Sigmoid {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    /// Linearised as the identity (SynFlow's path sums keep the paths, not the gate's squashing).
    public var pathOperation: PathOperation { .identity }
}

/// The sigmoid-weighted linear unit (swish), entrywise: `y = x σ(x)` — PyTorch's `SiLU`, which
/// ONNX writes as `Mul(x, Sigmoid(x))`.
///
/// Backward: `∂L/∂x = ∂L/∂y · (σ(x) + x σ(x)(1 − σ(x)))`.
/// - Complexity: O(batch · features), one pass, no allocation.
public struct SiLU: StatelessLayer {
    public init() {}

    public func outputSize(inputSize: Int) -> Int { inputSize }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        output.requireShape(input.rows, input.columns, "SiLU output buffer")
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = x[i] / (1 + Foundation.exp(-x[i])) }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        outputGradient.requireShape(input.rows, input.columns, "SiLU output gradient")
        inputGradient.requireShape(input.rows, input.columns, "SiLU input gradient")
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<x.count {
                        let s = 1 / (1 + Foundation.exp(-x[i]))
                        dx[i] = g[i] * (s + x[i] * s * (1 - s))
                    }
                }
            }
        }
    }
}

extension SiLU {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    /// Linearised as the identity, like ReLU (on `x ≥ 0`, `x/2 ≤ SiLU(x) ≤ x`).
    public var pathOperation: PathOperation { .identity }
}
