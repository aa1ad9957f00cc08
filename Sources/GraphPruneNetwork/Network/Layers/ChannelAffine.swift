import GraphPruneIO
import GraphPruneNumerics

/// A fixed affine map per channel, `y[c, i] = scale_c · x[c, i] + shift_c` on `C` channels of
/// `area` values each (`ImageShape.channelLayout`): an imported graph's arithmetic with
/// constants — input normalisation `(x − μ_c) / σ_c` written as ONNX `Sub` and `Div`, a `Mul` by
/// a scalar. The constants belong to the architecture (`LayerSpec.channelAffine`), not to the
/// state: training does not change them and a checkpoint stores no tensor for them.
///
/// Backward: `∂L/∂x[c, i] = scale_c · ∂L/∂y[c, i]`.
/// - Complexity: O(batch · C · area) per pass, no allocation.
public struct ChannelAffine: StatelessLayer {
    /// One entry per channel.
    public let scale: [Float]
    public let shift: [Float]
    /// Values per channel.
    public let area: Int

    /// The map on inputs of shape `input`; a single scale or shift applies to every channel
    /// (traps on other counts).
    public init(scale: [Double], shift: [Double], input: ImageShape) {
        let (channels, area) = input.channelLayout
        precondition([1, channels].contains(scale.count) && [1, channels].contains(shift.count),
                     "ChannelAffine: \(scale.count) scales and \(shift.count) shifts for \(channels) channels")
        self.init(scale: Self.expanded(scale, channels), shift: Self.expanded(shift, channels), area: area)
    }

    init(scale: [Float], shift: [Float], area: Int) {
        (self.scale, self.shift, self.area) = (scale, shift, area)
    }

    private static func expanded(_ values: [Double], _ channels: Int) -> [Float] {
        values.count == 1 ? [Float](repeating: Float(values[0]), count: channels) : values.map { Float($0) }
    }

    public var channels: Int { scale.count }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == channels * area, "ChannelAffine expects \(channels * area) inputs, got \(inputSize)")
        return inputSize
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        output.requireShape(input.rows, outputSize(inputSize: input.columns), "ChannelAffine output buffer")
        let (channels, area) = (self.channels, self.area)
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                for plane in 0..<(input.rows * channels) {
                    let (a, b) = (scale[plane % channels], shift[plane % channels])
                    for p in (plane * area)..<((plane + 1) * area) { y[p] = a * x[p] + b }
                }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        outputGradient.requireShape(input.rows, input.columns, "ChannelAffine output gradient")
        inputGradient.requireShape(input.rows, input.columns, "ChannelAffine input gradient")
        let (channels, area) = (self.channels, self.area)
        outputGradient.elements.withUnsafeBufferPointer { g in
            inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                for plane in 0..<(input.rows * channels) {
                    let a = scale[plane % channels]
                    for p in (plane * area)..<((plane + 1) * area) { dx[p] = a * g[p] }
                }
            }
        }
    }
}

extension ChannelAffine {
    /// Per channel: the kept channels' constants.
    public func restricted(to selection: UnitSelection) -> any Layer {
        ChannelAffine(scale: UnitSelection.pick(scale, selection.inputs), shift: UnitSelection.pick(shift, selection.inputs), area: area)
    }

    public var pathOperation: PathOperation { .channelAffine(scale: scale, shift: shift, area: area) }
}
