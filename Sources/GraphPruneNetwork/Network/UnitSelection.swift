import GraphPruneIO
import GraphPruneNumerics

/// Which units of a layer survive structured pruning (`Layer.restricted(to:)`).
public struct UnitSelection: Sendable {
    /// Kept output units (rows of the weight), ascending; nil keeps all.
    public var outputs: [Int]?
    /// Kept input channels, ascending; nil keeps all. Channel `c` is the `inputArea`
    /// consecutive features `c·inputArea ..< (c+1)·inputArea` of the input (channels first).
    public var inputs: [Int]?
    /// Features per input channel (`H·W` of a convolution's input; 1 for a vector).
    public var inputArea: Int
    /// The layer's input shape after pruning.
    public var input: ImageShape

    public init(outputs: [Int]?, inputs: [Int]?, inputArea: Int, input: ImageShape) {
        (self.outputs, self.inputs, self.inputArea, self.input) = (outputs, inputs, inputArea, input)
    }

    /// The kept input features: every feature of each kept channel, ascending; nil keeps all.
    public var inputFeatures: [Int]? {
        inputs.map { channels in channels.flatMap { c in (c * inputArea)..<((c + 1) * inputArea) } }
    }

    /// `values[indices]`, or `values` when `indices` is nil.
    public static func pick<T>(_ values: [T], _ indices: [Int]?) -> [T] {
        indices.map { $0.map { values[$0] } } ?? values
    }

    /// The submatrix `m[rows, columns]` (nil = all), in the listed orders.
    /// - Complexity: O(|rows| · |columns|) copies.
    public static func gather(_ m: Matrix<Float>, rows: [Int]?, columns: [Int]?) -> Matrix<Float> {
        let r = rows ?? Array(0..<m.rows)
        guard let columns else { return rows == nil ? m : m.selectingRows(r) }
        var out = Matrix<Float>(rows: r.count, columns: columns.count)
        let (n, width) = (m.columns, columns.count)
        m.elements.withUnsafeBufferPointer { src in
            out.elements.withUnsafeMutableBufferPointer { dst in
                for (a, row) in r.enumerated() {
                    let base = row * n
                    for (b, column) in columns.enumerated() { dst[a * width + b] = src[base + column] }
                }
            }
        }
        return out
    }
}
