import GraphPruneNumerics

/// The rectified linear unit, applied entrywise: `y = max(0, x)`.
///
/// Backward passes the gradient where the unit was active: `∂L/∂x = ∂L/∂y · [y > 0]`
/// (the subgradient at `x = 0` is taken as 0, as in PyTorch).
/// A NaN input gives 0 (as `max(0, x)` in Swift; PyTorch propagates it — the trainer stops at a
/// non-finite loss either way). Both passes are sixteen-wide selects over the flat batch, split
/// across cores in ranges of at least ``minimumChunk`` entries with disjoint writes.
/// - Complexity: O(batch · features), one pass, no allocation.
public struct ReLU: StatelessLayer {
    /// Entries below which a range is not worth another thread.
    static let minimumChunk = 1 << 17

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
                let (source, target) = (x.baseAddress!, y.baseAddress!)
                forEachChunk(of: x.count, minimumChunk: ReLU.minimumChunk) { range in
                    var i = range.lowerBound
                    while i &+ 16 <= range.upperBound {
                        let v = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(target + i).storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), as: SIMD16<Float>.self)
                        i &+= 16
                    }
                    while i < range.upperBound {
                        target[i] = source[i] > 0 ? source[i] : 0
                        i &+= 1
                    }
                }
            }
        }
    }

    /// `m ← max(0, m)` entrywise, in place (what `forward` computes).
    static func rectify(_ m: inout Matrix<Float>) {
        m.elements.withUnsafeMutableBufferPointer { y in
            guard let target = y.baseAddress else { return }
            forEachChunk(of: y.count, minimumChunk: ReLU.minimumChunk) { range in
                for i in range where !(target[i] > 0) { target[i] = 0 }
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
                    let (active, gradient, target) = (y.baseAddress!, g.baseAddress!, dx.baseAddress!)
                    forEachChunk(of: y.count, minimumChunk: ReLU.minimumChunk) { range in
                        // Sixteen at a time as a select (a branch per entry mispredicts on random signs).
                        var i = range.lowerBound
                        while i &+ 16 <= range.upperBound {
                            let yv = UnsafeRawPointer(active + i).loadUnaligned(as: SIMD16<Float>.self)
                            let gv = UnsafeRawPointer(gradient + i).loadUnaligned(as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(target + i).storeBytes(
                                of: SIMD16<Float>.zero.replacing(with: gv, where: yv .> 0), as: SIMD16<Float>.self)
                            i &+= 16
                        }
                        while i < range.upperBound {
                            target[i] = active[i] > 0 ? gradient[i] : 0
                            i &+= 1
                        }
                    }
                }
            }
        }
    }
}

/// Entrywise, so the same code computes in any layout, as long as input and output share it.
extension ReLU {
    public mutating func accepts(_ layouts: LayerLayouts, batch: Int) -> Bool { layouts.input == layouts.output }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        precondition(layouts.input == layouts.output, "ReLU keeps its input's layout")
        forward(input, into: &output, training: training, generator: &generator)
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>, layouts: LayerLayouts
    ) {
        precondition(layouts.input == layouts.output, "ReLU keeps its input's layout")
        backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient)
    }
}

extension ReLU {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    public var pathOperation: PathOperation { .identity }
}
