/// How a batch of `C × H × W` activations is laid out in memory (a row of `C·H·W` floats per
/// sample either way, so buffers have the same size).
///
/// - `plain`: C order within a sample, `x[c, h, w]` at `(c·H + h)·W + w` (NCHW, PyTorch's and
///   GraphPrune's layout everywhere outside the hot path of a convolutional network).
/// - `channelBlocked16`: oneDNN's `nChw16c` (`aBcd16b`), sixteen channels innermost, `x[c, h, w]`
///   at `((c / 16)·H + h)·W·16 + w·16 + c mod 16`; only for `C` a multiple of 16 (no padding).
///   This is the layout oneDNN's AVX-512 convolution kernels compute in, so activations kept in it
///   between convolutions, ReLUs and max-pooling need no reorder (`Network`'s layout plan).
public enum ActivationLayout: Hashable, Sendable {
    case plain
    case channelBlocked16

    /// Channels per block of `channelBlocked16`.
    public static let channelBlock = 16

    /// Whether `channels` can be stored channel-blocked (a whole number of blocks).
    public static func allowsChannelBlocking(channels: Int) -> Bool { channels > 0 && channels % channelBlock == 0 }

    /// The offset of `x[c, h, w]` within a sample of `channels × height × width` in this layout.
    /// O(1).
    public func offset(channel c: Int, row h: Int, column w: Int, channels: Int, height: Int, width: Int) -> Int {
        switch self {
        case .plain: return (c * height + h) * width + w
        case .channelBlocked16:
            let block = Self.channelBlock
            return ((c / block * height + h) * width + w) * block + c % block
        }
    }
}
