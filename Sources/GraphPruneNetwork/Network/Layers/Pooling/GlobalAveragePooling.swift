import GraphPruneIO
import GraphPruneNumerics

/// Global average pooling: each channel of a `C × H × W` sample reduced to its mean, giving `C`
/// features (an output shape of `C × 1 × 1`, as PyTorch's `AdaptiveAvgPool2d(1)` then `flatten`).
///
/// Read the batch `X` (`B × C·H·W`, C order) as a `B·C × H·W` matrix, one channel plane per row:
/// ```
/// Y[b, c]        = (1 / HW) Σ_{i} X[b, c, i]          (one sgemv with the ones vector)
/// ∂L/∂X[b, c, i] = (1 / HW) ∂L/∂Y[b, c]               (a broadcast)
/// ```
/// The ones vector (`H·W`) is allocated once, at initialisation.
/// - Complexity: O(batch · C · H · W) per pass, no allocation.
public struct GlobalAveragePooling: StatelessLayer {
    /// Shape of an input sample, `C × H × W`.
    public let input: ImageShape
    /// All ones, `H·W` long.
    private let ones: [Float]

    public init(input: ImageShape) {
        self.input = input
        ones = [Float](repeating: 1, count: input.height * input.width)
    }

    /// Shape of an output sample, `C × 1 × 1`.
    public var output: ImageShape { ImageShape(channels: input.channels, height: 1, width: 1) }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == input.size, "GlobalAveragePooling expects \(input) = \(input.size) inputs, got \(inputSize)")
        return input.channels
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        let batch = input.rows
        let channels = outputSize(inputSize: input.columns)
        output.requireShape(batch, channels, "GlobalAveragePooling output buffer")
        guard batch > 0 else { return }
        let area = ones.count
        input.elements.withUnsafeBufferPointer { x in
            ones.withUnsafeBufferPointer { o in
                output.elements.withUnsafeMutableBufferPointer { y in
                    Float.gemv(transpose: false, m: batch * channels, n: area, alpha: 1 / Float(area),
                               a: x.baseAddress!, lda: area, x: o.baseAddress!, beta: 0, y: y.baseAddress!)
                }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let batch = input.rows
        let channels = outputSize(inputSize: input.columns)
        outputGradient.requireShape(batch, channels, "GlobalAveragePooling output gradient")
        precondition(inputGradient.rows == batch && inputGradient.columns == input.columns,
                     "GlobalAveragePooling input gradient buffer is \(inputGradient.rows)×\(inputGradient.columns), needs \(batch)×\(input.columns)")
        let area = ones.count
        let scale = 1 / Float(area)
        outputGradient.elements.withUnsafeBufferPointer { dy in
            inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                for plane in 0..<(batch * channels) {
                    let value = dy[plane] * scale
                    for i in (plane * area)..<((plane + 1) * area) { dx[i] = value }
                }
            }
        }
    }
}

extension GlobalAveragePooling {
    /// Per channel: the kept channels' means.
    public func restricted(to selection: UnitSelection) -> any Layer { GlobalAveragePooling(input: selection.input) }
}

extension GlobalAveragePooling {
    public var pathOperation: PathOperation { .globalAverage(channels: input.channels, area: input.height * input.width) }
}
