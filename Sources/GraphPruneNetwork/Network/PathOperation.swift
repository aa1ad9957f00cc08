import GraphPruneIO
import GraphPruneNumerics

/// A layer's evaluation-mode operation in the terms a linearised network needs (SynFlow's path
/// sums on non-negative activations). Every matrix is out × in, as the layer stores it.
public enum PathOperation: Sendable {
    /// `y = W x + b` (Dense; a sparse layer's dense view).
    case affine(weight: Matrix<Float>, bias: [Float])
    /// A convolution: `weight` `F × C/g·kh·kw`, `g` groups.
    case convolution(weight: Matrix<Float>, bias: [Float], geometry: ConvolutionGeometry, groups: Int)
    /// `y_c = scale_c · x_c + shift_c` per channel of `area` values (BatchNorm in evaluation).
    case channelAffine(scale: [Float], shift: [Float], area: Int)
    case maxPool(input: ImageShape, window: PoolingWindow)
    case averagePool(input: ImageShape, window: PoolingWindow, countsPadding: Bool)
    /// The product of the node's two inputs (`Multiply`): `a` of `channels × area`, `b` of one
    /// value per channel (`broadcast`) or of `a`'s size.
    case multiply(channels: Int, area: Int, broadcast: Bool)
    /// The mean of each channel's `area` values.
    case globalAverage(channels: Int, area: Int)
    /// `y = x` on non-negative inputs (ReLU, dropout in evaluation, Identity, Add of the summed
    /// inputs, Flatten); an SReLU is taken as the unit it is between its thresholds.
    case identity
}
