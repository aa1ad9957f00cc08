import GraphPruneIO
import GraphPruneNumerics

/// The product of a node's two inputs, `y = a ⊙ b`: with `broadcast`, `b` holds one value per
/// channel of `a` (`C × 1 × 1` against `C × H × W`: a squeeze-excitation gate scaling each
/// channel), otherwise `b` has `a`'s shape.
///
/// The network hands the layer its two inputs side by side, one row per sample `[a_b | b_b]`
/// (`Architecture.LayerSpec.concatenatesInputs`), and splits the input gradient the same way:
/// ```
/// y[c, i]     = a[c, i] · b[c]                (broadcast; b[c, i] otherwise)
/// ∂L/∂a[c, i] = ∂L/∂y[c, i] · b[c]
/// ∂L/∂b[c]    = Σ_i ∂L/∂y[c, i] · a[c, i]      (∂L/∂y[c, i] · a[c, i] without broadcast)
/// ```
/// - Complexity: O(batch · C · H · W) per pass, no allocation.
public struct Multiply: StatelessLayer {
    /// The shape of the first factor `a` (and of the output).
    public let input: ImageShape
    public let broadcast: Bool

    public init(input: ImageShape, broadcast: Bool) {
        (self.input, self.broadcast) = (input, broadcast)
    }

    /// `(C, H·W)` of `a`; `b` has `C` values with `broadcast`, else `C·H·W`.
    private var layout: (channels: Int, area: Int) { input.channelLayout }
    private var secondSize: Int { broadcast ? layout.channels : input.size }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == input.size + secondSize, "Multiply expects \(input.size) + \(secondSize) inputs side by side, got \(inputSize)")
        return input.size
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        let n = outputSize(inputSize: input.columns)
        output.requireShape(input.rows, n, "Multiply output buffer")
        let (channels, area) = layout, width = input.columns, broadcast = self.broadcast
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for row in 0..<input.rows {
                    let a = row * width, b = a + n, out = row * n
                    for c in 0..<channels {
                        for p in (c * area)..<((c + 1) * area) { y[out + p] = x[a + p] * x[b + (broadcast ? c : p)] }
                    }
                }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        let n = outputSize(inputSize: input.columns)
        outputGradient.requireShape(input.rows, n, "Multiply output gradient")
        inputGradient.requireShape(input.rows, input.columns, "Multiply input gradient")
        let (channels, area) = layout, width = input.columns, broadcast = self.broadcast
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    for row in 0..<input.rows {
                        let a = row * width, b = a + n, out = row * n
                        for c in 0..<channels {
                            var sum: Float = 0
                            for p in (c * area)..<((c + 1) * area) {
                                dx[a + p] = g[out + p] * x[b + (broadcast ? c : p)]
                                if broadcast { sum += g[out + p] * x[a + p] } else { dx[b + p] = g[out + p] * x[a + p] }
                            }
                            if broadcast { dx[b + c] = sum }
                        }
                    }
                }
            }
        }
    }
}

extension Multiply {
    /// Per channel: the same product on the kept channels of both factors.
    public func restricted(to selection: UnitSelection) -> any Layer { Multiply(input: selection.input, broadcast: broadcast) }

    public var pathOperation: PathOperation { .multiply(channels: layout.channels, area: layout.area, broadcast: broadcast) }
}
