import GraphPruneIO
import GraphPruneNumerics

/// A layer's weights seen as a bipartite graph between its input and output units.
///
/// **Orientation:** every matrix is **out × in**: a Dense layer's `weight`; a sparse layer's
/// dense view (zeros off its pattern); a convolution's `filters × (C/g·kh·kw)` unfolded weight,
/// whose consecutive `inputGroupSize = kh·kw` columns belong to one input channel.
public struct LayerConnections: Sendable {
    /// The weights, out × in.
    public var weight: Matrix<Float>
    /// `∂L/∂W` of the last `backward`, out × in (zero off the mask or pattern).
    public var gradient: Matrix<Float>
    /// 1 where a connection exists, 0 elsewhere; nil when every entry is a connection.
    public var mask: Matrix<Float>?
    /// Consecutive columns that belong to one input unit: `kh · kw` for a convolution, else 1.
    public var inputGroupSize: Int
    /// A grouped convolution's groups (else 1). With `g > 1` the matrix is not the layer's
    /// bipartite graph: filter `f` reads only its group's channels, so the graph is
    /// block-diagonal in the channels while `weight` lists each filter's own taps.
    public var groups: Int

    public init(weight: Matrix<Float>, gradient: Matrix<Float>, mask: Matrix<Float>?, inputGroupSize: Int = 1, groups: Int = 1) {
        self.weight = weight
        self.gradient = gradient
        self.mask = mask
        self.inputGroupSize = inputGroupSize
        self.groups = groups
    }

    /// 1 where a connection exists (every entry without a mask), in Double.
    public var existing: Matrix<Double> {
        mask?.converted(to: Double.self) ?? Matrix(rows: weight.rows, columns: weight.columns, repeating: 1)
    }
}
