/// The geometry of a zero-padded, strided 2-D convolution and the two data movements that turn
/// it into matrix products: **im2col** (unfold) and **col2im** (fold, scatter-add).
///
/// A sample is a `C × H × W` image stored flat in C order. For a `kh × kw` kernel with stride
/// `(sh, sw)`, dilation `(dh, dw)` (taps `d` pixels apart; 1 = adjacent) and `padTop`/`padLeft`
/// zeros before the image (and enough after it to give `H' × W'` outputs), the unfolded matrix
/// of one sample has one **row per kernel tap** `r = (c, i, j)`, in the same C order as a
/// filter's flattened weights (`r = (c · kh + i) · kw + j`), and one **column per output pixel**
/// `p = (y, x)`, `p = y · W' + x`:
/// ```
/// col[r, p] = X[c, y·sh + i·dh − padTop, x·sw + j·dw − padLeft]    (0 outside the image)
/// ```
/// so that a convolution with weights `W` (`F × C·kh·kw`) is the product `Y = W · col`
/// (`F × H'·W'`), already in the `F × H' × W'` C order of the output sample. A grouped
/// convolution multiplies each group's filters by its channels' rows (`Conv2D`).
///
/// The unfolded matrix of a whole batch puts the samples' column blocks side by side:
/// `K × (B·P)` with `K = C·kh·kw`, `P = H'·W'`, sample `b` in columns `b·P ..< (b+1)·P`. Each
/// function here moves one sample, so callers can split the batch across cores: sample blocks
/// are disjoint, and the result does not depend on how the batch was split.
///
/// For a fixed tap `(c, i, j)` and output row `y`, the valid outputs `x` form one contiguous
/// range (the rest reads padding), so with stride 1 both movements are row-segment copies and
/// adds, not per-element bounds checks; with a column stride `sw > 1` the same range is read
/// every `sw` pixels.
public struct ConvolutionGeometry: Sendable, Equatable {
    public let channels: Int, height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padTop: Int, padLeft: Int
    public let outputHeight: Int, outputWidth: Int
    public let dilationHeight: Int, dilationWidth: Int

    public init(
        channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
        strideHeight: Int = 1, strideWidth: Int = 1, dilationHeight: Int = 1, dilationWidth: Int = 1,
        padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int
    ) {
        precondition(strideHeight > 0 && strideWidth > 0, "convolution stride must be positive")
        precondition(dilationHeight > 0 && dilationWidth > 0, "convolution dilation must be positive")
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
        (self.strideHeight, self.strideWidth) = (strideHeight, strideWidth)
        (self.dilationHeight, self.dilationWidth) = (dilationHeight, dilationWidth)
        (self.padTop, self.padLeft) = (padTop, padLeft)
        (self.outputHeight, self.outputWidth) = (outputHeight, outputWidth)
    }

    /// The output extent for `n` inputs, kernel extent `k`, stride `s`, dilation `d` and
    /// `before + after` padding zeros: `⌊(n + before + after − d(k − 1) − 1) / s⌋ + 1`, or 0 when
    /// the kernel does not fit.
    public static func outputExtent(_ n: Int, kernel k: Int, stride s: Int, dilation d: Int = 1, padding before: Int, _ after: Int) -> Int {
        let span = n + before + after - (d * (k - 1) + 1)
        return span < 0 ? 0 : span / s + 1
    }

    /// `K = C · kh · kw`: rows of the unfolded matrix, columns of the weight matrix.
    public var taps: Int { channels * kernelHeight * kernelWidth }
    /// `P = H' · W'`: output pixels per channel.
    public var pixels: Int { outputHeight * outputWidth }
    /// `C · H · W`: features of an input sample.
    public var inputSize: Int { channels * height * width }

    /// The valid range of output columns `x` for kernel column `j`: those with
    /// `0 ≤ x·sw + j·dw − padLeft < W`, i.e.
    /// `⌈(padLeft − j·dw) / sw⌉ ≤ x ≤ ⌊(W − 1 − j·dw + padLeft) / sw⌋`.
    @inline(__always)
    func validColumns(tap j: Int) -> Range<Int> {
        let offset = j * dilationWidth - padLeft
        let s = strideWidth
        // Smallest x with x·s + offset ≥ 0, and one past the largest with x·s + offset ≤ W − 1.
        let first = offset >= 0 ? 0 : (-offset + s - 1) / s
        let last = width - 1 - offset < 0 ? -1 : (width - 1 - offset) / s
        let low = min(outputWidth, first)
        let high = max(low, min(outputWidth, last + 1))
        return low..<high
    }

    /// Unfolds one sample `x` (`C·H·W` values) into its column block: `cols` points at the block's
    /// first column in row 0; rows are `rowStride` apart (the batch's `B·P`). Float for the
    /// layer, Double for SynFlow's scores.
    /// - Complexity: O(K · P) stores.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func im2col<T: FloatingPoint>(_ x: UnsafePointer<T>, into cols: UnsafeMutablePointer<T>, rowStride: Int) {
        var r = 0
        for c in 0..<channels {
            let plane = x + c * height * width
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = cols + r * rowStride
                    let valid = validColumns(tap: j)
                    let shift = j * dilationWidth - padLeft, s = strideWidth
                    for y in 0..<outputHeight {
                        let dst = row + y * outputWidth
                        let sourceRow = y * strideHeight + i * dilationHeight - padTop
                        guard sourceRow >= 0 && sourceRow < height && !valid.isEmpty else {
                            dst.update(repeating: 0, count: outputWidth)
                            continue
                        }
                        dst.update(repeating: 0, count: valid.lowerBound)
                        let source = plane + sourceRow * width + shift
                        if s == 1 {
                            (dst + valid.lowerBound).update(from: source + valid.lowerBound, count: valid.count)
                        } else {
                            for x in valid { dst[x] = source[x * s] }
                        }
                        (dst + valid.upperBound).update(repeating: 0, count: outputWidth - valid.upperBound)
                    }
                    r += 1
                }
            }
        }
    }

    /// Folds one sample's column block back onto the image, **summing** every tap that read a
    /// pixel: `dx[c, y·sh + i·dh − padTop, x·sw + j·dw − padLeft] += cols[(c, i, j), (y, x)]`, the adjoint
    /// of `im2col`. `dx` (`C·H·W` values) is overwritten; padding positions are dropped.
    /// Taps are added in a fixed order (row `r` ascending), so the sums are deterministic.
    /// - Complexity: O(K · P) adds.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func col2im<T: FloatingPoint>(_ cols: UnsafePointer<T>, rowStride: Int, into dx: UnsafeMutablePointer<T>) {
        dx.update(repeating: 0, count: inputSize)
        var r = 0
        for c in 0..<channels {
            let plane = dx + c * height * width
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = cols + r * rowStride
                    let valid = validColumns(tap: j)
                    let shift = j * dilationWidth - padLeft, s = strideWidth
                    r += 1
                    guard !valid.isEmpty else { continue }
                    for y in 0..<outputHeight {
                        let targetRow = y * strideHeight + i * dilationHeight - padTop
                        guard targetRow >= 0 && targetRow < height else { continue }
                        let src = row + y * outputWidth
                        let dst = plane + targetRow * width + shift
                        if s == 1 {
                            for x in valid { dst[x] += src[x] }
                        } else {
                            for x in valid { dst[x * s] += src[x] }
                        }
                    }
                }
            }
        }
    }
}
