import GraphPruneIO
import GraphPruneNumerics

/// How a convolution treats the border: zeros around the image so the output keeps its size
/// (`same`), or no padding, the kernel staying inside the image (`valid`).
///
/// For a kernel extent `k` (height or width), `same` pads `(k − 1) / 2` zeros before and
/// `k − 1 − (k − 1) / 2` after — symmetric for odd kernels, one more after for even ones (as
/// PyTorch's `padding="same"` and TensorFlow do). `valid` gives `n − k + 1` outputs for `n` inputs.
public enum Padding: String, Sendable, CaseIterable, Codable {
    case same
    case valid
}

/// A 2-D convolution (cross-correlation, as in PyTorch and Keras) with stride 1 and zero
/// padding, on batch-major activations whose rows are images in channels-first C order.
///
/// For an input sample `X` of shape `C × H × W` (``input``), `F` filters of `kh × kw` and
/// padding offsets `(pt, pl)` (see ``Padding``), the output sample `Y` is `F × H' × W'`
/// (``output``):
/// ```
/// Y[f, y, x] = b[f] + Σ_{c, i, j} W[f, (c, i, j)] · X[c, y + i − pt, x + j − pl]
/// ```
/// with `X` read as 0 outside the image.
///
/// **Orientation:** `weight` is `F × (C·kh·kw)`: row `f` is filter `f` flattened in C order
/// `(c, i, j)` — PyTorch's `OIHW` weight reshaped to `out × in`, and the biadjacency of the layer's
/// unfolded bipartite graph (filters × input taps) that the graph builders and sparsifier use.
/// A Keras kernel (`kh × kw × C × F`) must be permuted to this order first.
///
/// **Algorithm (im2col + sgemm per chunk of samples):** a chunk of `S` samples (as many as keep
/// the unfolded chunk within `chunkFloats`, 8 MB: the cache, not memory, then carries the copies)
/// is unfolded into `col` (`K × S·P`, `K = C·kh·kw`, `P = H'·W'`, sample `b` in columns
/// `b·P ..< (b+1)·P`; see ``ConvolutionGeometry``), then one sgemm gives `Z = W · col`
/// (`F × S·P`), and a copy that adds the bias moves `Z[f, b·P + p]` to `Y[b, f, p]` (a block
/// transpose of `P`-long runs). One product per chunk keeps OpenBLAS's threads busy, where
/// per-sample products (`n = P`) would be small. Unfolding the whole batch of 100 at once for a
/// 32-channel 28 × 28 layer moved 90 MB per copy; chunks made a FashionMNIST epoch of
/// `c32-c32-p-c64-c64-p-128-10` 138 s → 110 s on 2 cores.
///
/// Backward, per chunk, for `G = ∂L/∂Y` gathered into the same `F × S·P` layout as `Z`:
/// ```
/// ∂L/∂W  += G · colᵀ                 (F × K, one sgemm; β = 0 for the first chunk)
/// ∂L/∂b  += G · 1                    (row sums of G, one sgemv; likewise)
/// ∂L/∂col = Wᵀ · G                   (K × S·P, one sgemm)
/// ∂L/∂X   = col2im(∂L/∂col)          (scatter-add of every tap back onto its pixel)
/// ```
/// `backward` unfolds `input` again rather than trusting the forward's buffer, so an evaluation
/// forward in between cannot corrupt the gradients (im2col is a memory pass, cheap next to the
/// products). Given a `0 × 0` `inputGradient` (first layer, see ``skipsInputGradient``) it skips
/// the last two lines, a third of the flops.
///
/// **Buffers:** `col` (`K·S·P` floats, reused for `∂L/∂col`), `Z`/`G` (`F·S·P`) and the ones
/// vector (`S·P`) live in the layer and only grow, so a smaller last batch allocates nothing;
/// gradients are overwritten by every `backward`.
///
/// **Threads and determinism:** im2col, col2im and the layout copies split the chunk across cores
/// by sample with disjoint writes, so they do not depend on the split. Reductions over the batch
/// happen inside BLAS and over the chunks in order, so results are bit-identical for the same
/// OpenBLAS thread count (and chunk size).
///
/// - Complexity: forward O(B · F · K · P) flops plus O(B · (K + F) · P) memory moves; backward
///   twice the flops (once without `∂L/∂X`). Memory O(S · (K + F) · P) floats of buffers.
public struct Conv2D: Layer {
    /// Shape of an input sample, `C × H × W`.
    public let input: ImageShape
    /// Kernel rows `kh`.
    public let kernelHeight: Int
    /// Kernel columns `kw`.
    public let kernelWidth: Int
    /// Border treatment.
    public let padding: Padding
    /// `filters × (C·kh·kw)`; row `f` = filter `f` flattened in `(c, i, j)` order. With a
    /// ``mask``, every assignment (including an optimiser's in-place update through
    /// `visitParameters`) re-zeroes the masked entries.
    public var weight: Matrix<Float> {
        didSet { if let mask { Conv2D.multiply(&weight.elements, by: mask.elements) } }
    }
    /// Which connections exist (`filters × C·kh·kw`, 1 = kept, 0 = pruned), or nil for a dense
    /// convolution. See `Conv2D+Mask.swift`.
    public internal(set) var mask: Matrix<Float>? = nil
    /// One bias per filter.
    public var bias: [Float]
    /// `∂L/∂W` of the last `backward` (`filters × C·kh·kw`; zero off the ``mask``).
    public internal(set) var weightGradient: Matrix<Float>
    /// `∂L/∂b` of the last `backward` (`filters`).
    public private(set) var biasGradient: [Float]

    private let geometry: ConvolutionGeometry
    /// The unfolded chunk `col` (`K × S·P`), then `∂L/∂col` in backward. Grows only.
    private var columns: [Float] = []
    /// `Z = W · col` in forward, the gathered `G` in backward (`F × S·P`). Grows only.
    private var product: [Float] = []
    /// All ones, at least `S·P` long (row sums for `∂L/∂b`). Grows only.
    private var ones: [Float] = []
    /// The most floats of `col` per chunk of samples: 2 M (8 MB), so that a chunk's unfolded
    /// inputs and products stay in the last-level cache between the copies and the products
    /// (a whole batch of 100 unfolded for a 32-channel 28 × 28 layer is 90 MB). Internal so
    /// that tests can force several chunks on small inputs.
    var chunkFloats = 1 << 21

    /// A layer with the given `filters × (C·kh·kw)` weights and `filters` biases.
    public init(input: ImageShape, kernel: (height: Int, width: Int), weight: Matrix<Float>, bias: [Float], padding: Padding) {
        precondition(kernel.height > 0 && kernel.width > 0, "Conv2D: kernel \(kernel.height)×\(kernel.width) has a non-positive extent")
        let taps = input.channels * kernel.height * kernel.width
        precondition(weight.rows > 0, "Conv2D needs at least one filter")
        precondition(weight.columns == taps,
                     "Conv2D: a \(kernel.height)×\(kernel.width) kernel on \(input) needs \(taps) weight columns, got \(weight.columns)")
        precondition(bias.count == weight.rows, "Conv2D: \(weight.rows) filters need \(weight.rows) biases, got \(bias.count)")
        let (padTop, outputHeight) = Conv2D.extent(input.height, kernel: kernel.height, padding: padding)
        let (padLeft, outputWidth) = Conv2D.extent(input.width, kernel: kernel.width, padding: padding)
        precondition(outputHeight > 0 && outputWidth > 0,
                     "Conv2D: a \(kernel.height)×\(kernel.width) kernel does not fit \(input) with \(padding) padding")
        self.input = input
        self.kernelHeight = kernel.height
        self.kernelWidth = kernel.width
        self.padding = padding
        self.weight = weight
        self.bias = bias
        geometry = ConvolutionGeometry(
            channels: input.channels, height: input.height, width: input.width,
            kernelHeight: kernel.height, kernelWidth: kernel.width, padTop: padTop, padLeft: padLeft,
            outputHeight: outputHeight, outputWidth: outputWidth)
        weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        biasGradient = [Float](repeating: 0, count: weight.rows)
    }

    /// A layer with a square kernel inferred from the weights: `weight` is
    /// `filters × (C·k·k)` (traps if `weight.columns / C` is not a perfect square).
    public init(input: ImageShape, weight: Matrix<Float>, bias: [Float], padding: Padding) {
        let area = weight.columns / input.channels
        let k = Int(Double(area).squareRoot().rounded())
        precondition(area * input.channels == weight.columns && k * k == area,
                     "Conv2D: \(weight.columns) weight columns are not \(input.channels)·k·k; pass the kernel")
        self.init(input: input, kernel: (k, k), weight: weight, bias: bias, padding: padding)
    }

    /// A layer of `filters` `kh × kw` filters drawn by `initializer` from `generator` with
    /// PyTorch's fans (`fanIn = C·kh·kw`, `fanOut = filters`, row-major draw order) and zero biases.
    public init(
        input: ImageShape, filters: Int, kernel: (height: Int, width: Int), padding: Padding,
        initializer: Initializer, generator: inout SplitMix64
    ) {
        let taps = input.channels * kernel.height * kernel.width
        self.init(
            input: input, kernel: kernel,
            weight: initializer.weights(outputs: filters, inputs: taps, generator: &generator),
            bias: [Float](repeating: 0, count: filters), padding: padding)
    }

    /// A layer of `filters` square `kernel × kernel` filters (see the rectangular initialiser).
    public init(
        input: ImageShape, filters: Int, kernel: Int, padding: Padding,
        initializer: Initializer, generator: inout SplitMix64
    ) {
        self.init(input: input, filters: filters, kernel: (kernel, kernel), padding: padding,
                  initializer: initializer, generator: &generator)
    }

    /// Padding before the image and the output extent for `n` inputs and kernel extent `k`.
    static func extent(_ n: Int, kernel k: Int, padding: Padding) -> (before: Int, output: Int) {
        switch padding {
        case .same: return ((k - 1) / 2, n)
        case .valid: return (0, n - k + 1)
        }
    }

    /// Number of filters `F` (`weight.rows`).
    public var filters: Int { weight.rows }
    /// Shape of an output sample, `F × H' × W'`.
    public var output: ImageShape {
        ImageShape(channels: weight.rows, height: geometry.outputHeight, width: geometry.outputWidth)
    }
    /// Padding zeros before the first row and the first column `(pt, pl)`.
    public var paddingOffsets: (top: Int, left: Int) { (geometry.padTop, geometry.padLeft) }

    /// The first convolution of a network need not compute `∂L/∂X`.
    public var skipsInputGradient: Bool { true }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == input.size, "Conv2D expects \(input) = \(input.size) inputs, got \(inputSize)")
        return weight.rows * geometry.pixels
    }

    /// `output ← conv(input) + b`, per chunk of samples (`chunkSize(batch:)`): im2col, one sgemm, a
    /// bias-adding block transpose into the chunk's rows.
    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        let batch = input.rows
        let size = outputSize(inputSize: input.columns)
        output.requireShape(batch, size, "Conv2D output buffer")
        checkParameters()
        guard batch > 0 else { return }
        let chunk = chunkSize(batch: batch)
        prepareBuffers(batch: chunk)
        let g = geometry
        input.elements.withUnsafeBufferPointer { x in
            weight.elements.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    output.elements.withUnsafeMutableBufferPointer { y in
                        columns.withUnsafeMutableBufferPointer { col in
                            product.withUnsafeMutableBufferPointer { z in
                                for start in stride(from: 0, to: batch, by: chunk) {
                                    let count = min(chunk, batch - start), n = count * g.pixels
                                    Conv2D.unfold(g, x.baseAddress! + start * g.inputSize, batch: count, into: col.baseAddress!)
                                    Float.gemm(transposeA: false, transposeB: false, m: b.count, n: n, k: g.taps, alpha: 1,
                                               a: w.baseAddress!, lda: g.taps, b: col.baseAddress!, ldb: n, beta: 0,
                                               c: z.baseAddress!, ldc: n)
                                    Conv2D.scatter(z.baseAddress!, bias: b, batch: count, pixels: g.pixels,
                                                   into: y.baseAddress! + start * size)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Per chunk of samples: the chunk's `G` gathered into `F × n`, its im2col, then
    /// `∂L/∂b += G·1`, `∂L/∂W += G·colᵀ` (β = 0 for the first chunk) and, if wanted,
    /// `∂L/∂col = Wᵀ·G` folded into the chunk's rows of `∂L/∂X`.
    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let batch = input.rows
        let size = outputSize(inputSize: input.columns)
        outputGradient.requireShape(batch, size, "Conv2D output gradient")
        let wantsInputGradient = !(inputGradient.rows == 0 && inputGradient.columns == 0 && batch > 0)
        precondition(!wantsInputGradient || (inputGradient.rows == batch && inputGradient.columns == input.columns),
                     "Conv2D input gradient buffer is \(inputGradient.rows)×\(inputGradient.columns), needs \(batch)×\(input.columns)")
        checkParameters()
        if weightGradient.rows != weight.rows { weightGradient = Matrix(rows: weight.rows, columns: weight.columns) }
        if biasGradient.count != bias.count { biasGradient = [Float](repeating: 0, count: bias.count) }
        guard batch > 0 else {
            // An empty sum: every gradient is zero.
            weightGradient.elements.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            biasGradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            return
        }
        let chunk = chunkSize(batch: batch)
        prepareBuffers(batch: chunk)
        let (g, f) = (geometry, weight.rows)
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { dy in
                weight.elements.withUnsafeBufferPointer { w in
                    weightGradient.elements.withUnsafeMutableBufferPointer { dw in
                        biasGradient.withUnsafeMutableBufferPointer { db in
                            inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                                columns.withUnsafeMutableBufferPointer { col in
                                    product.withUnsafeMutableBufferPointer { dz in
                                        ones.withUnsafeBufferPointer { o in
                                            for start in stride(from: 0, to: batch, by: chunk) {
                                                let count = min(chunk, batch - start), n = count * g.pixels
                                                let beta: Float = start == 0 ? 0 : 1
                                                Conv2D.gather(dy.baseAddress! + start * size, batch: count, filters: f,
                                                              pixels: g.pixels, into: dz.baseAddress!)
                                                Conv2D.unfold(g, x.baseAddress! + start * g.inputSize, batch: count, into: col.baseAddress!)
                                                Float.gemv(transpose: false, m: f, n: n, alpha: 1, a: dz.baseAddress!, lda: n,
                                                           x: o.baseAddress!, beta: beta, y: db.baseAddress!)
                                                Float.gemm(transposeA: false, transposeB: true, m: f, n: g.taps, k: n, alpha: 1,
                                                           a: dz.baseAddress!, lda: n, b: col.baseAddress!, ldb: n, beta: beta,
                                                           c: dw.baseAddress!, ldc: g.taps)
                                                guard wantsInputGradient else { continue }
                                                Float.gemm(transposeA: true, transposeB: false, m: g.taps, n: n, k: f, alpha: 1,
                                                           a: w.baseAddress!, lda: g.taps, b: dz.baseAddress!, ldb: n, beta: 0,
                                                           c: col.baseAddress!, ldc: n)
                                                Conv2D.fold(g, col.baseAddress!, batch: count, into: dx.baseAddress! + start * g.inputSize)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if mask != nil { maskGradient() }
    }

    /// Visits `weight` (row-major, `filters × C·kh·kw`) with `∂L/∂W`, then `bias` with `∂L/∂b`.
    /// With a mask, `∂L/∂W` is zero off the mask and the weights are re-zeroed there after
    /// `body` (so momentum or weight decay cannot revive a pruned connection).
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {
        body(&weight.elements, weightGradient.elements)
        body(&bias, biasGradient)
    }

    private func checkParameters() {
        precondition(weight.columns == geometry.taps, "Conv2D weight has \(weight.columns) columns, needs \(geometry.taps)")
        precondition(bias.count == weight.rows, "Conv2D: \(weight.rows) filters need \(weight.rows) biases, got \(bias.count)")
    }

    /// Samples per chunk: as many as keep `col` (`K × chunk·P`) within `chunkFloats`, at least one.
    private func chunkSize(batch: Int) -> Int {
        max(1, min(batch, chunkFloats / max(1, geometry.taps * geometry.pixels)))
    }

    /// Grows (never shrinks) the work buffers to hold a chunk of `batch` samples.
    private mutating func prepareBuffers(batch: Int) {
        let n = batch * geometry.pixels
        if columns.count < geometry.taps * n { columns = [Float](repeating: 0, count: geometry.taps * n) }
        if product.count < weight.rows * n { product = [Float](repeating: 0, count: weight.rows * n) }
        if ones.count < n { ones = [Float](repeating: 1, count: n) }
    }

    /// Samples per chunk below which splitting the batch across cores is not worth a thread.
    private static func minimumChunk(work perSample: Int) -> Int { max(1, (1 << 16) / max(1, perSample)) }

    /// im2col of every sample of `x` (`batch × C·H·W`) into `col` (`K × batch·P`), by sample chunks.
    private static func unfold(_ g: ConvolutionGeometry, _ x: UnsafePointer<Float>, batch: Int, into col: UnsafeMutablePointer<Float>) {
        forEachChunk(of: batch, minimumChunk: minimumChunk(work: g.taps * g.pixels)) { samples in
            for b in samples {
                g.im2col(x + b * g.inputSize, into: col + b * g.pixels, rowStride: batch * g.pixels)
            }
        }
    }

    /// col2im of every sample's block of `dcol` (`K × batch·P`) into `dx` (`batch × C·H·W`).
    private static func fold(_ g: ConvolutionGeometry, _ dcol: UnsafePointer<Float>, batch: Int, into dx: UnsafeMutablePointer<Float>) {
        forEachChunk(of: batch, minimumChunk: minimumChunk(work: g.taps * g.pixels)) { samples in
            for b in samples {
                g.col2im(dcol + b * g.pixels, rowStride: batch * g.pixels, into: dx + b * g.inputSize)
            }
        }
    }

    /// `y[b, f, p] = z[f, b·P + p] + bias[f]`: from the product's `F × B·P` to batch-major rows.
    private static func scatter(_ z: UnsafePointer<Float>, bias: UnsafeBufferPointer<Float>, batch: Int, pixels: Int, into y: UnsafeMutablePointer<Float>) {
        let filters = bias.count
        forEachChunk(of: batch, minimumChunk: minimumChunk(work: filters * pixels)) { samples in
            for b in samples {
                for f in 0..<filters {
                    let src = z + f * batch * pixels + b * pixels
                    let dst = y + (b * filters + f) * pixels
                    let beta = bias[f]
                    for p in 0..<pixels { dst[p] = src[p] + beta }
                }
            }
        }
    }

    /// `z[f, b·P + p] = dy[b, f, p]`: batch-major gradient rows into the product's `F × B·P` layout.
    private static func gather(_ dy: UnsafePointer<Float>, batch: Int, filters: Int, pixels: Int, into z: UnsafeMutablePointer<Float>) {
        forEachChunk(of: batch, minimumChunk: minimumChunk(work: filters * pixels)) { samples in
            for b in samples {
                for f in 0..<filters {
                    (z + f * batch * pixels + b * pixels).update(from: dy + (b * filters + f) * pixels, count: pixels)
                }
            }
        }
    }
}
