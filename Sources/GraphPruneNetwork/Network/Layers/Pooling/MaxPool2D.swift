import GraphPruneIO
import GraphPruneNumerics

/// Max pooling over the windows of a `PoolingWindow` (kernel `k`, stride `s`, padding `p`), per
/// channel, on batch-major activations whose rows are `C × H × W` images in C order — PyTorch's
/// `MaxPool2d(k, s, p)`, ONNX's `MaxPool`. The output sample is `C × H' × W'` (``output``):
/// ```
/// Y[c, y, x] = max_{i ∈ rows(y), j ∈ columns(x)} X[c, i, j]
/// ```
/// over the window clipped to the plane (padding counts as −∞, so it never wins). With `k = s`,
/// `p = 0` (`MaxPool2d(s)`) the last `H mod s` rows and `W mod s` columns are dropped.
/// `forward` remembers, for every output, the flat index (within its sample, `c·H·W + row·W +
/// col`) of the input that won; **ties go to the first in row-major window order** (a later
/// entry must be strictly greater to win). `backward` routes each output's gradient to that
/// input and gives every other input 0:
/// ```
/// ∂L/∂X[b, argmax(b, o)] += ∂L/∂Y[b, o]
/// ```
/// so `backward` must follow the `forward` of the same batch (the ``Layer`` contract). The index
/// buffer lives in the layer and only grows.
///
/// Samples are split across cores with disjoint writes, so results do not depend on the split.
/// - Complexity: O(batch · C · H · W) per pass, no allocation after the largest batch.
public struct MaxPool2D: StatelessLayer {
    /// Shape of an input sample, `C × H × W`.
    public let input: ImageShape
    /// Kernel, stride and padding.
    public let window: PoolingWindow
    /// Shape of an output sample, `C × H' × W'`.
    public let output: ImageShape
    /// Per output of the last forward, the winning input's offset within its sample in that
    /// forward's layout (the first `batch · output.size` entries are live).
    internal private(set) var argmax: [Int32] = []
    /// Batch size and layout of the last forward (to check that backward matches it).
    private var lastBatch = 0, lastLayout = ActivationLayout.plain

    /// Pooling over `window`'s windows on `input` (traps if they do not fit: `window.problem`).
    public init(input: ImageShape, window: PoolingWindow) {
        if let problem = window.problem(height: input.height, width: input.width) { preconditionFailure("MaxPool2D: \(problem)") }
        precondition(input.size <= Int(Int32.max), "MaxPool2D: \(input) is too large for 32-bit indices")
        self.input = input
        self.window = window
        output = window.output(on: input)
    }

    /// Pooling of non-overlapping `size × size` windows.
    public init(input: ImageShape, size: Int = 2) { self.init(input: input, window: PoolingWindow(size: size)) }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == input.size, "MaxPool2D expects \(input) = \(input.size) inputs, got \(inputSize)")
        return output.size
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        forward(input, into: &output, layouts: .plain, training: training, generator: &generator)
    }

    /// Plain, or channel-blocked in and out (then `argmax` holds channel-blocked offsets, which
    /// `backward` routes to without knowing the layout).
    public mutating func accepts(_ layouts: LayerLayouts, batch: Int) -> Bool {
        layouts == .plain || (layouts == .channelBlocked && ActivationLayout.allowsChannelBlocking(channels: input.channels))
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        precondition(layouts.input == layouts.output, "MaxPool2D keeps its input's layout")
        let blocked = layouts.input == .channelBlocked16
        let batch = input.rows
        let size = outputSize(inputSize: input.columns)
        output.requireShape(batch, size, "MaxPool2D output buffer")
        if argmax.count < batch * size { argmax = [Int32](repeating: 0, count: batch * size) }
        (lastBatch, lastLayout) = (batch, layouts.input)
        guard batch > 0 else { return }
        let (source, target, window) = (self.input, self.output, self.window)
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { a in
                    if blocked {
                        MaxPool2D.poolChannelBlocked(x.baseAddress!, source: source, target: target, window: window, batch: batch,
                                                     into: y.baseAddress!, argmax: a.baseAddress!)
                    } else {
                        MaxPool2D.pool(x.baseAddress!, source: source, target: target, window: window, batch: batch,
                                       into: y.baseAddress!, argmax: a.baseAddress!)
                    }
                }
            }
        }
    }

    /// The same routing in either layout: `argmax` holds offsets in the forward's layout.
    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>, layouts: LayerLayouts
    ) {
        precondition(layouts.input == lastLayout && layouts.output == lastLayout,
                     "MaxPool2D backward in \(layouts) follows a forward in \(lastLayout)")
        backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient)
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let batch = input.rows
        let size = outputSize(inputSize: input.columns)
        outputGradient.requireShape(batch, size, "MaxPool2D output gradient")
        precondition(inputGradient.rows == batch && inputGradient.columns == input.columns,
                     "MaxPool2D input gradient buffer is \(inputGradient.rows)×\(inputGradient.columns), needs \(batch)×\(input.columns)")
        precondition(batch == lastBatch, "MaxPool2D backward of a batch of \(batch) follows a forward of \(lastBatch)")
        guard batch > 0 else { return }
        let (inputSize, outputSize) = (self.input.size, size)
        outputGradient.elements.withUnsafeBufferPointer { dy in
            argmax.withUnsafeBufferPointer { a in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    MaxPool2D.route(dy.baseAddress!, argmax: a.baseAddress!, batch: batch, inputSize: inputSize,
                                    outputSize: outputSize, into: dx.baseAddress!)
                }
            }
        }
    }

    /// The window maxima and their indices for every sample, split by sample across cores.
    private static func pool(
        _ x: UnsafePointer<Float>, source: ImageShape, target: ImageShape, window: PoolingWindow, batch: Int,
        into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        let (h, w) = (source.height, source.width)
        let halving = window.kernel == 2 && window.stride == 2 && window.padding == 0
        forEachChunk(of: batch, minimumChunk: max(1, (1 << 16) / source.size)) { samples in
            if halving {
                for b in samples {
                    halve(x + b * source.size, source: source, target: target, into: y + b * target.size, argmax: argmax + b * target.size)
                }
                return
            }
            for b in samples {
                let sample = x + b * source.size
                var o = b * target.size
                for c in 0..<source.channels {
                    for oy in 0..<target.height {
                        let rows = window.span(oy, extent: h)
                        for ox in 0..<target.width {
                            let columns = window.span(ox, extent: w)
                            var best = c * h * w + rows.lowerBound * w + columns.lowerBound
                            var value = sample[best]
                            for i in rows {
                                let rowStart = c * h * w + i * w
                                for j in columns where sample[rowStart + j] > value {
                                    best = rowStart + j
                                    value = sample[best]
                                }
                            }
                            y[o] = value
                            argmax[o] = Int32(best)
                            o += 1
                        }
                    }
                }
            }
        }
    }

    /// One sample of `MaxPool2d(2)` (kernel 2, stride 2, no padding), the CNNs' pooling: each
    /// output compares its four inputs in row-major order, a later one winning only when strictly
    /// greater, as the general loop does.
    private static func halve(
        _ sample: UnsafePointer<Float>, source: ImageShape, target: ImageShape,
        into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        let (h, w) = (source.height, source.width)
        var o = 0
        for c in 0..<source.channels {
            for oy in 0..<target.height {
                let top = c * h * w + 2 * oy * w, bottom = top + w
                for ox in 0..<target.width {
                    let j = 2 * ox
                    var best = top + j, value = sample[best]
                    if sample[top + j + 1] > value { best = top + j + 1; value = sample[best] }
                    if sample[bottom + j] > value { best = bottom + j; value = sample[best] }
                    if sample[bottom + j + 1] > value { best = bottom + j + 1; value = sample[best] }
                    y[o] = value
                    argmax[o] = Int32(best)
                    o += 1
                }
            }
        }
    }

    /// `dx ← 0`, then each output gradient added at its recorded argmax, by sample.
    private static func route(
        _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, batch: Int, inputSize: Int,
        outputSize: Int, into dx: UnsafeMutablePointer<Float>
    ) {
        forEachChunk(of: batch, minimumChunk: max(1, (1 << 16) / inputSize)) { samples in
            for b in samples {
                let row = dx + b * inputSize
                row.update(repeating: 0, count: inputSize)
                for o in (b * outputSize)..<((b + 1) * outputSize) { row[Int(argmax[o])] += dy[o] }
            }
        }
    }
}

extension MaxPool2D {
    /// Per channel: the same window on the kept channels.
    public func restricted(to selection: UnitSelection) -> any Layer { MaxPool2D(input: selection.input, window: window) }
}

extension MaxPool2D {
    public var pathOperation: PathOperation { .maxPool(input: input, window: window) }
}
