import GraphPruneIO
import GraphPruneNumerics

/// Average pooling over the windows of a `PoolingWindow` (kernel `k`, stride `s`, padding `p`),
/// per channel, on batch-major activations whose rows are `C × H × W` images in C order —
/// PyTorch's `AvgPool2d(k, s, p, count_include_pad=…)`, ONNX's `AveragePool`. Output `(y, x)`
/// averages its window clipped to the plane, `W(y, x)`:
/// ```
/// Y[c, y, x]        = (1/n(y, x)) Σ_{(i, j) ∈ W(y, x)} X[c, i, j]
/// ∂L/∂X[c, i, j]    = Σ_{(y, x) : (i, j) ∈ W(y, x)} ∂L/∂Y[c, y, x] / n(y, x)
/// ```
/// where `n = k²` when the padding counts (`countsPadding`, PyTorch's default) and `|W(y, x)|`
/// otherwise (ONNX's default). With `k = s`, `p = 0` (`AvgPool2d(s)`) both are `s²` and the last
/// `H mod s` rows and `W mod s` columns are dropped.
/// - Complexity: O(batch · C · H' · W' · k²) per pass, no allocation.
public struct AveragePool2D: StatelessLayer {
    /// Shape of an input sample, `C × H × W`.
    public let input: ImageShape
    /// Kernel, stride and padding.
    public let window: PoolingWindow
    /// Whether padded positions count in a window's divisor (`count_include_pad`).
    public let countsPadding: Bool
    /// Shape of an output sample, `C × H' × W'`.
    public let output: ImageShape

    /// Pooling over `window`'s windows on `input` (traps if they do not fit: `window.problem`).
    public init(input: ImageShape, window: PoolingWindow, countsPadding: Bool = true) {
        if let problem = window.problem(height: input.height, width: input.width) { preconditionFailure("AveragePool2D: \(problem)") }
        self.input = input
        self.window = window
        self.countsPadding = countsPadding
        output = window.output(on: input)
    }

    /// Pooling of non-overlapping `size × size` windows.
    public init(input: ImageShape, size: Int = 2) { self.init(input: input, window: PoolingWindow(size: size)) }

    /// `1 / n` for output `(y, x)` whose clipped window spans `rows × columns`.
    @inline(__always)
    private func weight(_ rows: Range<Int>, _ columns: Range<Int>) -> Float {
        1 / (countsPadding ? Float(window.kernel * window.kernel) : Float(rows.count * columns.count))
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
        let (shape, out, window) = (self.input, self.output, self.window)
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for plane in 0..<(batch * shape.channels) {
                    let source = plane * shape.height * shape.width, target = plane * out.height * out.width
                    for row in 0..<out.height {
                        let rows = window.span(row, extent: shape.height)
                        for column in 0..<out.width {
                            let columns = window.span(column, extent: shape.width)
                            var sum: Float = 0
                            for i in rows {
                                let start = source + i * shape.width
                                for j in columns { sum += x[start + j] }
                            }
                            y[target + row * out.width + column] = sum * weight(rows, columns)
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
        let (shape, out, window) = (self.input, self.output, self.window)
        outputGradient.elements.withUnsafeBufferPointer { dy in
            inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                dx.update(repeating: 0)
                for plane in 0..<(batch * shape.channels) {
                    let target = plane * shape.height * shape.width, source = plane * out.height * out.width
                    for row in 0..<out.height {
                        let rows = window.span(row, extent: shape.height)
                        for column in 0..<out.width {
                            let columns = window.span(column, extent: shape.width)
                            let value = dy[source + row * out.width + column] * weight(rows, columns)
                            for i in rows {
                                let start = target + i * shape.width
                                for j in columns { dx[start + j] += value }
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
    public func restricted(to selection: UnitSelection) -> any Layer { AveragePool2D(input: selection.input, window: window, countsPadding: countsPadding) }
}

extension AveragePool2D {
    public var pathOperation: PathOperation { .averagePool(input: input, window: window, countsPadding: countsPadding) }
}
