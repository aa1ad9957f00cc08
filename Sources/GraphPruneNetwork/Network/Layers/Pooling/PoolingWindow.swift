import GraphPruneIO

/// The windows of a 2-D pooling: a square `k × k` kernel moved by stride `s` over an input
/// padded by `p` on every side (PyTorch's `MaxPool2d(k, s, p)` / `AvgPool2d(k, s, p)`, ONNX's
/// `kernel_shape`, `strides`, symmetric `pads`, floor mode). On an `H × W` plane the output is
/// `H' × W'` with
/// ```
/// H' = ⌊(H + 2p − k) / s⌋ + 1,   W' = ⌊(W + 2p − k) / s⌋ + 1
/// ```
/// and output `(y, x)` covers the input rows `s·y − p ..< s·y − p + k` and columns likewise,
/// clipped to the plane (padding is never read). `k = s`, `p = 0` is the non-overlapping
/// `size × size` pooling of the chain grammar (`p`, `a2`).
public struct PoolingWindow: Codable, Equatable, Sendable {
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
    }

    /// Non-overlapping `size × size` windows.
    public init(size: Int) { self.init(kernel: size, stride: size) }

    /// Why the window cannot pool an input of `height × width`, or nil: extents must be
    /// positive, the padding at most half the kernel (as PyTorch requires, so that no window
    /// lies wholly in the padding) and the padded input at least one kernel.
    public func problem(height: Int, width: Int) -> String? {
        guard kernel > 0, stride > 0, padding >= 0 else {
            return "pool kernel \(kernel) and stride \(stride) must be positive, padding \(padding) ≥ 0"
        }
        guard 2 * padding <= kernel else { return "pool padding \(padding) exceeds half the kernel \(kernel)" }
        guard height + 2 * padding >= kernel, width + 2 * padding >= kernel else {
            return "a \(kernel)×\(kernel) pool with padding \(padding) does not fit a \(height)×\(width) input"
        }
        return nil
    }

    /// The output plane's extents on an `height × width` input (assumes `problem` is nil).
    public func outputExtents(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1)
    }

    /// The output shape on `input`: the same channels, `H' × W'`.
    public func output(on input: ImageShape) -> ImageShape {
        let (h, w) = outputExtents(height: input.height, width: input.width)
        return ImageShape(channels: input.channels, height: h, width: w)
    }

    /// The input rows (or columns) that output row `y` covers, clipped to `0 ..< extent`.
    @inline(__always)
    public func span(_ y: Int, extent: Int) -> Range<Int> {
        let start = y * stride - padding
        return max(0, start)..<min(extent, start + kernel)
    }
}

extension Architecture.Pooling {
    /// The pooling layer on inputs of shape `input`.
    func layer(input: ImageShape) -> any Layer {
        switch kind {
        case .max: MaxPool2D(input: input, window: window)
        case .average: AveragePool2D(input: input, window: window, countsPadding: countsPadding)
        }
    }
}
