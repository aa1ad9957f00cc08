/// The shape of one sample as an image: `channels × height × width`.
///
/// A sample is stored flat, in C order (channel planes one after the other, each plane row after
/// row), so `size = channels · height · width` is the number of features of a sample. Data that
/// is not an image (a synthetic vector of `n` features) has the shape `1 × 1 × n`.
public struct ImageShape: Equatable, Sendable, CustomStringConvertible {
    /// Colour channels (1 for grey, 3 for RGB).
    public var channels: Int
    /// Rows of pixels.
    public var height: Int
    /// Pixels per row.
    public var width: Int

    /// A shape of positive extents (traps otherwise).
    public init(channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0, "image shape \(channels)×\(height)×\(width) has a non-positive extent")
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// The shape of a plain feature vector: `1 × 1 × features`.
    public static func vector(_ features: Int) -> ImageShape {
        ImageShape(channels: 1, height: 1, width: features)
    }

    /// The number of features of one sample, `channels · height · width`.
    public var size: Int { channels * height * width }

    /// The channels of an activation of this shape and the values of each: `(C, H·W)`, except
    /// that a vector (`1 × 1 × n`: a Dense layer's output, a flattened activation) is `n`
    /// channels of one value each — what BatchNorm normalises (`BatchNorm1d` on vectors) and
    /// what structured pruning removes (a Dense layer's units, a convolution's channels).
    public var channelLayout: (channels: Int, area: Int) {
        channels == 1 && height == 1 ? (width, 1) : (channels, height * width)
    }

    /// `"C×H×W"`, e.g. `"1×28×28"`.
    public var description: String { "\(channels)×\(height)×\(width)" }
}
