import GraphPruneNumerics

/// The rectified linear unit, applied entrywise: `y = max(0, x)`.
///
/// Backward passes the gradient where the unit was active: `∂L/∂x = ∂L/∂y · [y > 0]`
/// (the subgradient at `x = 0` is taken as 0, as in PyTorch).
/// - Complexity: O(batch · features), one pass, no allocation.
public struct ReLU: StatelessLayer {
    public init() {}

    public func outputSize(inputSize: Int) -> Int { inputSize }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        precondition(output.rows == input.rows && output.columns == input.columns,
                     "ReLU output buffer is \(output.rows)×\(output.columns), needs \(input.rows)×\(input.columns)")
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = max(0, x[i]) }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        precondition(outputGradient.elements.count == output.elements.count
                     && inputGradient.rows == output.rows && inputGradient.columns == output.columns,
                     "ReLU gradient buffers do not match the output \(output.rows)×\(output.columns)")
        output.elements.withUnsafeBufferPointer { y in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    // Eight at a time as a select (a branch per entry mispredicts on random signs).
                    var i = 0
                    while i &+ 8 <= y.count {
                        let yv = UnsafeRawPointer(y.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                        let gv = UnsafeRawPointer(g.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(dx.baseAddress! + i).storeBytes(
                            of: SIMD8<Float>.zero.replacing(with: gv, where: yv .> 0), as: SIMD8<Float>.self)
                        i &+= 8
                    }
                    while i < y.count {
                        dx[i] = y[i] > 0 ? g[i] : 0
                        i &+= 1
                    }
                }
            }
        }
    }
}

extension ReLU {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    public var pathOperation: PathOperation { .identity }
}
