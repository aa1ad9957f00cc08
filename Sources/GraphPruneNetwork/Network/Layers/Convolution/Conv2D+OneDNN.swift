import GraphPruneNumerics

/// Which code computes a ``Conv2D``: oneDNN's direct convolution kernels (the default, what
/// PyTorch runs on CPU) or GraphPrune's own im2col + OpenBLAS sgemm, kept as the reference the
/// tests hold oneDNN to and as the fallback for a shape oneDNN rejects. Both compute the same
/// mathematics; their sums run in different orders, so results agree to rounding, not bits.
public enum ConvolutionBackend: String, Sendable, CaseIterable {
    case onednn
    case im2col
}

/// The oneDNN primitives a ``Conv2D`` has built, one set per shape it has seen (batch size:
/// training batches, the last smaller batch, evaluation batches; activation layouts; thread
/// count), at most ``capacity`` at a time.
///
/// A reference type inside the value-type layer: ``Conv2D`` replaces it before use unless it holds
/// the only reference (copy on write), because the primitives hold the caller's buffers between
/// the reorders of one call and two copies of a layer may run on two threads. That check is what
/// makes the unchecked `Sendable` sound: an instance is used only by the one layer value that
/// owns it uniquely.
final class ConvolutionPrimitives: @unchecked Sendable {
    /// Shapes kept before the cache starts afresh (each set holds JIT-compiled kernels; the
    /// blocked copies live in a per-thread arena). A batch size takes up to three sets in a
    /// planned network (the layouts the plan tried, the ones it kept, and those with the fused
    /// ReLU), so training batches, a smaller last batch and evaluation batches fit.
    static let capacity = 16
    private var byShape: [DNNLConvolution.Shape: DNNLConvolution] = [:]
    /// Why oneDNN refused a shape, once it has: the layer then uses im2col.
    private(set) var refusal: String?

    /// The primitives for `shape`, built on first use; nil once oneDNN has refused this layer.
    func primitives(for shape: DNNLConvolution.Shape) -> DNNLConvolution? {
        if let found = byShape[shape] { return found }
        guard refusal == nil else { return nil }
        do {
            let made = try DNNLConvolution(shape)
            if byShape.count >= Self.capacity { byShape.removeAll() }
            byShape[shape] = made
            return made
        } catch {
            refusal = "\(error)"
            return nil
        }
    }
}

extension Conv2D {
    /// oneDNN's shape for a batch of `batch` samples of this layer in `layouts`, on as many
    /// threads as OpenBLAS uses (a change of the count builds new primitives).
    func oneDNNShape(batch: Int, layouts: LayerLayouts = .plain, fusesReLU: Bool = false) -> DNNLConvolution.Shape {
        var shape = DNNLConvolution.Shape(
            batch: batch, channels: input.channels, height: input.height, width: input.width, filters: filters,
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight, strideWidth: strideWidth,
            dilationHeight: dilationHeight, dilationWidth: dilationWidth,
            padTop: padding.top, padLeft: padding.left, padBottom: padding.bottom, padRight: padding.right,
            groups: groups, hasBias: hasBias, threads: BLASThreads.count)
        (shape.inputLayout, shape.outputLayout, shape.fusesReLU) = (layouts.input, layouts.output, fusesReLU)
        return shape
    }

    /// The oneDNN primitives for a batch of `batch` in `layouts`, or nil when the layer uses
    /// im2col (chosen, or oneDNN refused the shape). Replaces a cache shared with a copy of the
    /// layer first.
    mutating func oneDNNPrimitives(batch: Int, layouts: LayerLayouts = .plain, fusesReLU: Bool = false) -> DNNLConvolution? {
        guard backend == .onednn else { return nil }
        if !isKnownUniquelyReferenced(&primitiveCache) { primitiveCache = ConvolutionPrimitives() }
        return primitiveCache.primitives(for: oneDNNShape(batch: batch, layouts: layouts, fusesReLU: fusesReLU))
    }

    /// With oneDNN, any layout on either side whose channels (input) or filters (output) fill
    /// whole blocks of 16: the primitives for them are built here, so the calls that follow find
    /// them. im2col computes plain only.
    public mutating func accepts(_ layouts: LayerLayouts, batch: Int) -> Bool {
        if layouts == .plain { return true }
        guard batch > 0 else { return false }
        if layouts.input == .channelBlocked16 && !ActivationLayout.allowsChannelBlocking(channels: input.channels) { return false }
        if layouts.output == .channelBlocked16 && !ActivationLayout.allowsChannelBlocking(channels: filters) { return false }
        return oneDNNPrimitives(batch: batch, layouts: layouts) != nil
    }

    /// With oneDNN: the ReLU is a post-op of the forward kernel, applied to each output block
    /// while it is in registers (the primitives are built here). The backward primitives are the
    /// plain convolution's: a ReLU's backward needs only its output.
    public mutating func fusesReLU(_ layouts: LayerLayouts, batch: Int) -> Bool {
        batch > 0 && accepts(layouts, batch: batch) && oneDNNPrimitives(batch: batch, layouts: layouts, fusesReLU: true) != nil
    }

    public mutating func forwardWithReLU(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        let batch = input.rows
        output.requireShape(batch, outputSize(inputSize: input.columns), "Conv2D output buffer")
        checkParameters()
        guard batch > 0, let primitives = oneDNNPrimitives(batch: batch, layouts: layouts, fusesReLU: true) else {
            forward(input, into: &output, layouts: layouts, training: training, generator: &generator)
            ReLU.rectify(&output)
            return
        }
        primitives.forward(input: input.elements, weight: weight.elements, bias: bias, output: &output.elements)
    }

    /// What computes this layer for a batch of `batch`: oneDNN's kernel name (e.g.
    /// `onednn jit:avx512_core`), or `im2col` with the reason oneDNN was not used.
    public mutating func implementation(batch: Int) -> String {
        if let primitives = oneDNNPrimitives(batch: batch) { return "onednn \(primitives.implementation)" }
        return backend == .im2col ? "im2col" : "im2col (oneDNN refused: \(primitiveCache.refusal ?? "unknown"))"
    }
}
