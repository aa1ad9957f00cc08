import GraphPruneIO
import GraphPruneNumerics

/// Average pooling over non-overlapping `s × s` windows (stride `s`, no padding), per channel,
/// on batch-major activations whose rows are `C × H × W` images in C order — PyTorch's
/// `AvgPool2d(s)`. The output sample is `C × ⌊H/s⌋ × ⌊W/s⌋`; the last `H mod s` rows and
/// `W mod s` columns are dropped:
/// ```
/// Y[c, y, x]            = (1/s²) Σ_{0 ≤ i, j < s} X[c, s·y + i, s·x + j]
/// ∂L/∂X[c, s·y + i, s·x + j] = (1/s²) ∂L/∂Y[c, y, x]     (0 for the dropped rows and columns)
/// ```
/// - Complexity: O(batch · C · H · W) per pass, no allocation.
public struct AveragePool2D: StatelessLayer {
    /// Shape of an input sample, `C × H × W`.
    public let input: ImageShape
    /// Window side and stride `s`.
    public let size: Int
    /// Shape of an output sample, `C × ⌊H/s⌋ × ⌊W/s⌋`.
    public let output: ImageShape

    /// Pooling of `size × size` windows on `input` (traps if a window does not fit).
    public init(input: ImageShape, size: Int = 2) {
        precondition(size > 0, "AveragePool2D window size must be positive, got \(size)")
        precondition(input.height >= size && input.width >= size, "AveragePool2D: a \(size)×\(size) window does not fit \(input)")
        self.input = input
        self.size = size
        output = ImageShape(channels: input.channels, height: input.height / size, width: input.width / size)
    }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == input.size, "AveragePool2D expects \(input) = \(input.size) inputs, got \(inputSize)")
        return output.size
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        let batch = input.rows
        output.requireShape(batch, outputSize(inputSize: input.columns), "AveragePool2D output buffer")
        let (shape, out, s) = (self.input, self.output, size)
        let scale = 1 / Float(s * s)
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for plane in 0..<(batch * shape.channels) {
                    let source = plane * shape.height * shape.width, target = plane * out.height * out.width
                    for row in 0..<out.height {
                        for column in 0..<out.width {
                            var sum: Float = 0
                            for i in 0..<s {
                                let start = source + (row * s + i) * shape.width + column * s
                                for j in 0..<s { sum += x[start + j] }
                            }
                            y[target + row * out.width + column] = sum * scale
                        }
                    }
                }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        let batch = input.rows
        outputGradient.requireShape(batch, outputSize(inputSize: input.columns), "AveragePool2D output gradient")
        inputGradient.requireShape(batch, input.columns, "AveragePool2D input gradient")
        let (shape, out, s) = (self.input, self.output, size)
        let scale = 1 / Float(s * s)
        outputGradient.elements.withUnsafeBufferPointer { dy in
            inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                dx.update(repeating: 0)
                for plane in 0..<(batch * shape.channels) {
                    let target = plane * shape.height * shape.width, source = plane * out.height * out.width
                    for row in 0..<out.height {
                        for column in 0..<out.width {
                            let value = dy[source + row * out.width + column] * scale
                            for i in 0..<s {
                                let start = target + (row * s + i) * shape.width + column * s
                                for j in 0..<s { dx[start + j] = value }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension AveragePool2D {
    /// Per channel: the same window on the kept channels.
    public func restricted(to selection: UnitSelection) -> any Layer { AveragePool2D(input: selection.input, size: size) }
}

extension AveragePool2D {
    public var pathOperation: PathOperation { .averagePool(input: input, size: size) }
}
