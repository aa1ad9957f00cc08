import CDNNLConvolution

/// A 2-D convolution of one fixed shape and batch size computed by oneDNN (Debian's `libdnnl`,
/// the library PyTorch uses for convolutions on CPU): the forward pass and both halves of the
/// backward pass, on GraphPrune's layouts.
///
/// **Layouts:** activations are `batch × C × H × W`, one row of a batch-major matrix per sample,
/// in the ``ActivationLayout`` the shape names for the input (and `∂L/∂input`) and for the output
/// (and `∂L/∂output`); weights `F × C/g·kh·kw` (PyTorch's OIHW, GOIHW with `g` groups: the same
/// storage), biases `F`. oneDNN computes in the blocked layouts it chooses for the shape (on
/// AVX-512, `channelBlocked16`) and reorders to and from the caller's inside every call where
/// they differ: a plain activation costs a reorder per pass, a channel-blocked one on AVX-512
/// none.
///
/// **Mathematics** — as `Conv2D` states it: `Y[f, y, x] = b[f] + Σ W[f, (c, i, j)] ·
/// X[c, y·sh + i·dh − pt, x·sw + j·dw − pl]` (zeros outside the image), and in backward
/// `∂L/∂W = Σ_batch G ⋆ X`, `∂L/∂b = Σ G`, `∂L/∂X` the transposed convolution of `G`.
///
/// **Threads and determinism:** a primitive set is built for, and always runs on, the number of
/// OpenMP threads in its ``Shape`` (callers pass OpenBLAS's count, so a run's one recorded thread
/// count fixes every reduction); the count is set on the calling thread before every build and
/// call, because OpenMP keeps it per thread and oneDNN splits a primitive's work by it when the
/// primitive is built. oneDNN's direct kernels then reduce over the batch in a fixed order, so
/// results are bit-identical for the same shape, thread count and CPU kernels, as OpenBLAS's are.
///
/// OpenMP's threads spin for a while after each call (its default wait policy), which takes a core
/// from the rest of a training step; `OMP_WAIT_POLICY=passive` in the environment stops that. It is
/// not the default because waking sleeping threads costs more than it saves on small calls: on 2
/// cores, passive waiting trained ResNet-20 on FashionMNIST at most 9 % faster in short runs (within
/// the machine's noise; the CNN's epoch did not change) but more than doubled the CNN's latency at
/// batch 1 (0.40 → 0.96 ms, `bench --workload inference`).
///
/// - Complexity: `O(B · F · C/g · kh · kw · H' · W')` flops a pass, plus the reorders
///   (`O(B · (C·H·W + F·H'·W'))` memory moves). Creating the primitives JIT-compiles kernels
///   (about a millisecond each), so callers keep one instance per shape.
public final class DNNLConvolution {
    /// Everything that fixes the primitives (extents, not data).
    public struct Shape: Hashable, Sendable {
        public var batch: Int, channels: Int, height: Int, width: Int, filters: Int
        public var kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int
        public var dilationHeight: Int, dilationWidth: Int
        public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
        public var groups: Int, hasBias: Bool
        /// OpenMP threads (0: OpenMP's default, all cores).
        public var threads: Int
        /// Layouts of the input and the output (`channelBlocked16` needs `channels`, respectively
        /// `filters`, a multiple of 16).
        public var inputLayout: ActivationLayout = .plain, outputLayout: ActivationLayout = .plain
        /// Whether the forward applies a ReLU to its output (oneDNN's eltwise post-op).
        public var fusesReLU = false

        public init(
            batch: Int, channels: Int, height: Int, width: Int, filters: Int,
            kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
            dilationHeight: Int, dilationWidth: Int,
            padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, groups: Int, hasBias: Bool, threads: Int
        ) {
            (self.batch, self.channels, self.height, self.width, self.filters) = (batch, channels, height, width, filters)
            (self.kernelHeight, self.kernelWidth, self.strideHeight, self.strideWidth) = (kernelHeight, kernelWidth, strideHeight, strideWidth)
            (self.dilationHeight, self.dilationWidth) = (dilationHeight, dilationWidth)
            (self.padTop, self.padLeft, self.padBottom, self.padRight) = (padTop, padLeft, padBottom, padRight)
            (self.groups, self.hasBias, self.threads) = (groups, hasBias, threads)
        }
    }

    /// oneDNN could not build primitives for a shape (the message is oneDNN's call and status).
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public let shape: Shape
    private let handle: OpaquePointer

    /// The primitives for `shape`; throws ``Unavailable`` when oneDNN rejects the shape or has no
    /// memory for its buffers.
    public init(_ shape: Shape) throws {
        precondition(shape.inputLayout == .plain || ActivationLayout.allowsChannelBlocking(channels: shape.channels),
                     "a channel-blocked input needs a multiple of 16 channels, not \(shape.channels)")
        precondition(shape.outputLayout == .plain || ActivationLayout.allowsChannelBlocking(channels: shape.filters),
                     "a channel-blocked output needs a multiple of 16 filters, not \(shape.filters)")
        var spec = gp_conv_shape(
            batch: Int64(shape.batch), channels: Int64(shape.channels), height: Int64(shape.height), width: Int64(shape.width),
            filters: Int64(shape.filters), kernel_height: Int64(shape.kernelHeight), kernel_width: Int64(shape.kernelWidth),
            stride_height: Int64(shape.strideHeight), stride_width: Int64(shape.strideWidth),
            dilation_height: Int64(shape.dilationHeight), dilation_width: Int64(shape.dilationWidth),
            pad_top: Int64(shape.padTop), pad_left: Int64(shape.padLeft), pad_bottom: Int64(shape.padBottom),
            pad_right: Int64(shape.padRight), groups: Int64(shape.groups), threads: Int64(shape.threads),
            has_bias: shape.hasBias ? 1 : 0,
            src_blocked: shape.inputLayout == .channelBlocked16 ? 1 : 0, dst_blocked: shape.outputLayout == .channelBlocked16 ? 1 : 0,
            fuse_relu: shape.fusesReLU ? 1 : 0)
        var message = [CChar](repeating: 0, count: 256)
        guard let handle = gp_conv_create(&spec, &message, message.count) else {
            throw Unavailable(description: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.shape = shape
        self.handle = handle
    }

    deinit { gp_conv_destroy(handle) }

    /// oneDNN's name for the forward kernel it chose, e.g. `jit:avx512_core` (`gemm` or `ref`
    /// names a slow fallback).
    public var implementation: String { String(cString: gp_conv_implementation(handle)) }

    /// `output = conv(input, weight) + bias` (`bias` ignored without one), or with
    /// ``Shape/fusesReLU`` `max(0, conv(input, weight) + bias)`: `input` is `batch × C·H·W`,
    /// `output` `batch × F·H'·W'`, each in its layout of the ``shape``.
    public func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        Self.check(gp_conv_forward(handle, input, weight, bias, output), "forward")
    }

    /// Overwrites `weightGradient` (`F × C/g·kh·kw`) and `biasGradient` (`F`, with a bias) from
    /// `input` and `outputGradient`; and `inputGradient` (`batch × C·H·W`) unless it is nil.
    public func backward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        Self.check(gp_conv_backward(handle, input, weight, outputGradient, weightGradient, biasGradient, inputGradient), "backward")
    }

    /// Primitives that were created run unless memory runs out mid-call, which nothing can recover.
    private static func check(_ status: Int32, _ pass: String) {
        precondition(status == 0, "oneDNN convolution \(pass) failed with status \(status)")
    }
}
