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

/// Zero padding around a convolution's input, per side (PyTorch's `padding=p` is `p` on every
/// side; ONNX `pads` are `[top, left, bottom, right]`).
public struct ConvolutionPadding: Codable, Equatable, Sendable {
    public var top: Int, left: Int, bottom: Int, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }

    /// `p` zeros on every side.
    public static func symmetric(_ p: Int) -> ConvolutionPadding { ConvolutionPadding(top: p, left: p, bottom: p, right: p) }

    /// `same` (size-keeping at stride 1) or `valid` (none) for a `kh × kw` kernel (see `Padding`).
    public init(_ padding: Padding, kernel: (height: Int, width: Int)) {
        switch padding {
        case .same:
            let (top, left) = ((kernel.height - 1) / 2, (kernel.width - 1) / 2)
            self.init(top: top, left: left, bottom: kernel.height - 1 - top, right: kernel.width - 1 - left)
        case .valid:
            self = .symmetric(0)
        }
    }
}

/// A 2-D convolution (cross-correlation, as in PyTorch and Keras) with stride, zero padding and
/// groups, on batch-major activations whose rows are images in channels-first C order.
///
/// For an input sample `X` of shape `C × H × W` (``input``), `F` filters of `kh × kw`, stride
/// `(sh, sw)`, padding `(pt, pl)` before the image (``padding``) and `g` groups, the output
/// sample `Y` is `F × H' × W'` (``output``, `H' = ⌊(H + pt + pb − kh) / sh⌋ + 1`):
/// ```
/// Y[f, y, x] = b[f] + Σ_{c ∈ group(f), i, j} W[f, (c, i, j)] · X[c, y·sh + i − pt, x·sw + j − pl]
/// ```
/// with `X` read as 0 outside the image. Filter `f` belongs to group `⌊f / (F/g)⌋` and sees only
/// that group's `C/g` channels (`g = C`: depthwise). Without a bias (``hasBias`` false, as
/// before a BatchNorm) `b = 0` and is neither trained nor saved.
///
/// **Orientation:** `weight` is `F × (C/g·kh·kw)`: row `f` is filter `f` flattened in C order
/// `(c, i, j)` over its group's channels — PyTorch's `OIHW` weight reshaped to `out × in`, and for
/// `g = 1` the biadjacency of the layer's unfolded bipartite graph (filters × input taps) that the
/// graph builders and sparsifier use. A Keras kernel (`kh × kw × C × F`) must be permuted first.
///
/// **Two backends** (``backend``, see `Conv2D+OneDNN.swift`): by default oneDNN's direct
/// convolution kernels (the library PyTorch runs on CPU) compute the forward pass and both
/// gradients, with primitives built once per batch size, activation layouts and fused ReLU (the
/// network's execution plan passes channel-blocked activations and asks for the ReLU after the
/// convolution); ``ConvolutionBackend/im2col`` is GraphPrune's own algorithm below, plain only,
/// the reference the tests hold oneDNN to and the fallback for a shape oneDNN refuses. On
/// `c32-c32-p-c64-c64-p-128-10` (FashionMNIST, 2 cores) an epoch went from 131 s (im2col) to 68 s
/// (oneDNN on plain activations) to 48 s (with the execution plan).
///
/// **Algorithm of the im2col backend (im2col + sgemm per chunk of samples):** a chunk of `S` samples (as many as keep
/// the unfolded chunk within `chunkFloats`, 8 MB: the cache, not memory, then carries the copies)
/// is unfolded into `col` (`K × S·P`, `K = C·kh·kw`, `P = H'·W'`, sample `b` in columns
/// `b·P ..< (b+1)·P`; see ``ConvolutionGeometry``), then one sgemm per group gives `Z = W · col`
/// (`F × S·P`; group `g`'s filters times its channels' rows of `col`), and a copy that adds the bias moves `Z[f, b·P + p]` to `Y[b, f, p]` (a block
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
/// **Threads and determinism:** oneDNN runs on as many OpenMP threads as OpenBLAS uses
/// (`DNNLConvolution`) and is bit-identical for a given thread count. In the im2col
/// backend, im2col, col2im and the layout copies split the chunk across cores by sample with
/// disjoint writes, so they do not depend on the split. Reductions over the batch
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
    /// Stride along rows and columns.
    public let strideHeight: Int, strideWidth: Int
    /// Spacing of the kernel's taps along rows and columns (1 = adjacent pixels).
    public let dilationHeight: Int, dilationWidth: Int
    /// Zeros around the image.
    public let padding: ConvolutionPadding
    /// Channel groups `g`: `C` and `F` are multiples of it (1 = an ordinary convolution).
    public let groups: Int
    /// Whether the layer adds a trained bias (false: `bias` stays 0, is not a parameter, not saved).
    public let hasBias: Bool
    /// `filters × (C/g·kh·kw)`; row `f` = filter `f` flattened in `(c, i, j)` order. With a
    /// ``mask``, every assignment (including an optimiser's in-place update through
    /// `visitParameters`) re-zeroes the masked entries.
    public var weight: Matrix<Float> {
        didSet { if let mask { Conv2D.multiply(&weight.elements, by: mask.elements) } }
    }
    /// Which connections exist (`filters × C·kh·kw`, 1 = kept, 0 = pruned), or nil for a dense
    /// convolution. See `Conv2D+Mask.swift`.
    public internal(set) var mask: Matrix<Float>? = nil
    /// One bias per filter (all 0 and untrained without ``hasBias``).
    public var bias: [Float]
    /// `∂L/∂W` of the last `backward` (`filters × C·kh·kw`; zero off the ``mask``).
    public internal(set) var weightGradient: Matrix<Float>
    /// `∂L/∂b` of the last `backward` (`filters`).
    public private(set) var biasGradient: [Float]

    /// The unfolding of the whole input (all channels); group `g` uses rows
    /// `g·K/g ..< (g+1)·K/g` of it.
    public let geometry: ConvolutionGeometry
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
    /// oneDNN (default) or im2col + sgemm; see ``ConvolutionBackend``.
    public var backend: ConvolutionBackend = .onednn
    /// oneDNN's primitives per batch size (see `Conv2D+OneDNN.swift`).
    var primitiveCache = ConvolutionPrimitives()

    /// A layer with the given `filters × (C/g·kh·kw)` weights and `filters` biases (nil: no
    /// bias), stride, padding and groups. Traps on shapes that do not fit (callers check specs
    /// and files first: `Architecture.shapes`, `ModelCheckpoint`).
    public init(
        input: ImageShape, kernel: (height: Int, width: Int), stride: (height: Int, width: Int) = (1, 1),
        dilation: (height: Int, width: Int) = (1, 1), padding: ConvolutionPadding, groups: Int = 1, weight: Matrix<Float>, bias: [Float]?
    ) {
        precondition(kernel.height > 0 && kernel.width > 0, "Conv2D: kernel \(kernel.height)×\(kernel.width) has a non-positive extent")
        precondition(stride.height > 0 && stride.width > 0, "Conv2D: stride \(stride) must be positive")
        precondition(dilation.height > 0 && dilation.width > 0, "Conv2D: dilation \(dilation) must be positive")
        precondition(groups > 0 && input.channels % groups == 0 && weight.rows % groups == 0,
                     "Conv2D: \(groups) groups must divide \(input.channels) channels and \(weight.rows) filters")
        let taps = input.channels / groups * kernel.height * kernel.width
        precondition(weight.rows > 0, "Conv2D needs at least one filter")
        precondition(weight.columns == taps,
                     "Conv2D: a \(kernel.height)×\(kernel.width) kernel on \(input) in \(groups) groups needs \(taps) weight columns, got \(weight.columns)")
        precondition(bias == nil || bias!.count == weight.rows, "Conv2D: \(weight.rows) filters need \(weight.rows) biases, got \(bias!.count)")
        let outputHeight = ConvolutionGeometry.outputExtent(
            input.height, kernel: kernel.height, stride: stride.height, dilation: dilation.height, padding: padding.top, padding.bottom)
        let outputWidth = ConvolutionGeometry.outputExtent(
            input.width, kernel: kernel.width, stride: stride.width, dilation: dilation.width, padding: padding.left, padding.right)
        precondition(outputHeight > 0 && outputWidth > 0,
                     "Conv2D: a \(kernel.height)×\(kernel.width) kernel does not fit \(input) with padding \(padding)")
        self.input = input
        self.kernelHeight = kernel.height
        self.kernelWidth = kernel.width
        (strideHeight, strideWidth) = stride
        (dilationHeight, dilationWidth) = dilation
        self.padding = padding
        self.groups = groups
        hasBias = bias != nil
        self.weight = weight
        self.bias = bias ?? [Float](repeating: 0, count: weight.rows)
        geometry = ConvolutionGeometry(
            channels: input.channels, height: input.height, width: input.width,
            kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
            dilationHeight: dilation.height, dilationWidth: dilation.width, padTop: padding.top, padLeft: padding.left, outputHeight: outputHeight, outputWidth: outputWidth)
        weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        biasGradient = [Float](repeating: 0, count: weight.rows)
    }

    /// A stride-1, ungrouped layer with a bias and `same` or `valid` padding.
    public init(input: ImageShape, kernel: (height: Int, width: Int), weight: Matrix<Float>, bias: [Float], padding: Padding) {
        self.init(input: input, kernel: kernel, padding: ConvolutionPadding(padding, kernel: kernel), weight: weight, bias: bias)
    }

    /// The same convolution (kernel, stride, padding, groups, bias or not) on `input` with other
    /// weights, biases and mask (nil: none): what structured pruning rebuilds.
    public func replacing(input: ImageShape, weight: Matrix<Float>, bias: [Float], mask: Matrix<Float>?) -> Conv2D {
        var layer = Conv2D(
            input: input, kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
            dilation: (dilationHeight, dilationWidth), padding: padding, groups: groups, weight: weight, bias: hasBias ? bias : nil)
        layer.setMask(mask)
        return layer
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

    /// Number of filters `F` (`weight.rows`).
    public var filters: Int { weight.rows }
    /// Shape of an output sample, `F × H' × W'`.
    public var output: ImageShape {
        ImageShape(channels: weight.rows, height: geometry.outputHeight, width: geometry.outputWidth)
    }
    /// Padding zeros before the first row and the first column `(pt, pl)`.
    public var paddingOffsets: (top: Int, left: Int) { (padding.top, padding.left) }
    /// Filters per group `F/g` and weight columns (taps) per filter `C/g·kh·kw`.
    public var groupFilters: Int { weight.rows / groups }
    public var groupTaps: Int { geometry.taps / groups }

    /// The first convolution of a network need not compute `∂L/∂X`.
    public var skipsInputGradient: Bool { true }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == input.size, "Conv2D expects \(input) = \(input.size) inputs, got \(inputSize)")
        return weight.rows * geometry.pixels
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        forward(input, into: &output, layouts: .plain, training: training, generator: &generator)
    }

    /// `output ← conv(input) + b`: oneDNN's primitives for the batch size and layouts, or (plain
    /// only) per chunk of samples (`chunkSize(batch:)`): im2col, one sgemm, a bias-adding block
    /// transpose into the chunk's rows.
    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        let batch = input.rows
        let size = outputSize(inputSize: input.columns)
        output.requireShape(batch, size, "Conv2D output buffer")
        checkParameters()
        guard batch > 0 else { return }
        if let primitives = oneDNNPrimitives(batch: batch, layouts: layouts) {
            primitives.forward(input: input.elements, weight: weight.elements, bias: bias, output: &output.elements)
            return
        }
        precondition(layouts == .plain, "Conv2D computes channel-blocked activations with oneDNN only")
        let chunk = chunkSize(batch: batch)
        prepareBuffers(batch: chunk)
        let (g, fg, kg) = (geometry, groupFilters, groupTaps)
        input.elements.withUnsafeBufferPointer { x in
            weight.elements.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    output.elements.withUnsafeMutableBufferPointer { y in
                        columns.withUnsafeMutableBufferPointer { col in
                            product.withUnsafeMutableBufferPointer { z in
                                for start in stride(from: 0, to: batch, by: chunk) {
                                    let count = min(chunk, batch - start), n = count * g.pixels
                                    Conv2D.unfold(g, x.baseAddress! + start * g.inputSize, batch: count, into: col.baseAddress!)
                                    for group in 0..<groups {
                                        Float.gemm(transposeA: false, transposeB: false, m: fg, n: n, k: kg, alpha: 1,
                                                   a: w.baseAddress! + group * fg * kg, lda: kg,
                                                   b: col.baseAddress! + group * kg * n, ldb: n, beta: 0,
                                                   c: z.baseAddress! + group * fg * n, ldc: n)
                                    }
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

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient, layouts: .plain)
    }

    /// oneDNN's backward primitives for the batch size and layouts, or (plain only) per chunk of
    /// samples: the chunk's `G` gathered into `F × n`, its im2col, then `∂L/∂b += G·1`,
    /// `∂L/∂W += G·colᵀ` (β = 0 for the first chunk) and, if wanted, `∂L/∂col = Wᵀ·G` folded into
    /// the chunk's rows of `∂L/∂X`.
    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>, layouts: LayerLayouts
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
        if let primitives = oneDNNPrimitives(batch: batch, layouts: layouts) {
            weightGradient.elements.withUnsafeMutableBufferPointer { dw in
                biasGradient.withUnsafeMutableBufferPointer { db in
                    inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                        primitives.backward(
                            input: input.elements, weight: weight.elements, outputGradient: outputGradient.elements,
                            weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!,
                            inputGradient: wantsInputGradient ? dx.baseAddress! : nil)
                    }
                }
            }
            if mask != nil { maskGradient() }
            return
        }
        precondition(layouts == .plain, "Conv2D computes channel-blocked activations with oneDNN only")
        let chunk = chunkSize(batch: batch)
        prepareBuffers(batch: chunk)
        let (g, f, fg, kg) = (geometry, weight.rows, groupFilters, groupTaps)
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
                                                if hasBias {
                                                    Float.gemv(transpose: false, m: f, n: n, alpha: 1, a: dz.baseAddress!, lda: n,
                                                               x: o.baseAddress!, beta: beta, y: db.baseAddress!)
                                                }
                                                for group in 0..<groups {
                                                    Float.gemm(transposeA: false, transposeB: true, m: fg, n: kg, k: n, alpha: 1,
                                                               a: dz.baseAddress! + group * fg * n, lda: n,
                                                               b: col.baseAddress! + group * kg * n, ldb: n, beta: beta,
                                                               c: dw.baseAddress! + group * fg * kg, ldc: kg)
                                                }
                                                guard wantsInputGradient else { continue }
                                                // Each group's rows of ∂L/∂col come from its own filters only.
                                                for group in 0..<groups {
                                                    Float.gemm(transposeA: true, transposeB: false, m: kg, n: n, k: fg, alpha: 1,
                                                               a: w.baseAddress! + group * fg * kg, lda: kg,
                                                               b: dz.baseAddress! + group * fg * n, ldb: n, beta: 0,
                                                               c: col.baseAddress! + group * kg * n, ldc: n)
                                                }
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

    /// Visits `weight` (row-major, `filters × C/g·kh·kw`) with `∂L/∂W`, then (with ``hasBias``)
    /// `bias` with `∂L/∂b`. With a mask, `∂L/∂W` is zero off the mask and the weights are
    /// re-zeroed there after `body` (so momentum or weight decay cannot revive a pruned connection).
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {
        body(&weight.elements, weightGradient.elements)
        if hasBias { body(&bias, biasGradient) }
    }

    func checkParameters() {
        precondition(weight.columns == groupTaps, "Conv2D weight has \(weight.columns) columns, needs \(groupTaps)")
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

extension Conv2D {
    /// `weight` in PyTorch's OIHW shape (`filters × C/g × kh × kw`, the same C-order storage as
    /// the `filters × C/g·kh·kw` matrix), `bias` (with ``hasBias``), and for an edge-pruned
    /// convolution `mask` (same shape, 1 = kept connection).
    public var stateTensors: [NamedTensor] {
        let shape = [filters, input.channels / groups, kernelHeight, kernelWidth]
        var tensors = [NamedTensor("weight", Tensor(shape: shape, storage: .float32(weight.elements)))]
        if hasBias { tensors.append(NamedTensor("bias", vector: bias)) }
        if let mask { tensors.append(NamedTensor("weight_mask", Tensor(shape: shape, storage: .float32(mask.elements)))) }
        return tensors
    }
    public var nonzeroConnections: Int { weight.nonzeroCount }
    public var maskedConnections: Int? { mask == nil ? nil : connectionCount }
    public var connections: LayerConnections? {
        LayerConnections(weight: weight, gradient: weightGradient, mask: mask, inputGroupSize: kernelHeight * kernelWidth, groups: groups)
    }
}

extension Conv2D {
    /// An ungrouped convolution keeps the filters `selection.outputs` and, of each, the taps of
    /// the kept input channels (`c·kh·kw ..< (c+1)·kh·kw`); a depthwise one (one channel per
    /// group) keeps the filters and groups of the kept channels. The mask is sliced the same way.
    public func restricted(to selection: UnitSelection) -> any Layer {
        let taps = kernelHeight * kernelWidth
        if groups > 1 {
            precondition(groups == input.channels && groups == filters, "only depthwise convolutions are restricted per channel")
            let kept = selection.inputs ?? Array(0..<filters)
            var layer = Conv2D(
                input: selection.input, kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
                dilation: (dilationHeight, dilationWidth), padding: padding, groups: kept.count, weight: UnitSelection.gather(weight, rows: kept, columns: nil),
                bias: hasBias ? UnitSelection.pick(bias, kept) : nil)
            layer.setMask(mask.map { UnitSelection.gather($0, rows: kept, columns: nil) })
            return layer
        }
        let columns = selection.inputs.map { channels in channels.flatMap { c in (c * taps)..<((c + 1) * taps) } }
        return replacing(
            input: selection.input, weight: UnitSelection.gather(weight, rows: selection.outputs, columns: columns),
            bias: UnitSelection.pick(bias, selection.outputs),
            mask: mask.map { UnitSelection.gather($0, rows: selection.outputs, columns: columns) })
    }
}

extension Conv2D {
    /// The convolution masked by `mask` (`filters × C/g·kh·kw`).
    public func keepingConnections(_ mask: Matrix<Float>) -> any Layer {
        var layer = self
        layer.setMask(mask)
        return layer
    }
}

extension Conv2D {
    public var pathOperation: PathOperation { .convolution(weight: weight, bias: bias, geometry: geometry, groups: groups) }
}
