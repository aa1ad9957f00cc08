import GraphPruneNumerics

/// The layouts of one layer call's input and output activations; their gradients are stored in
/// the same layouts. `Network` picks them per activation (`Network+Layouts.swift`).
public struct LayerLayouts: Hashable, Sendable {
    public var input: ActivationLayout
    public var output: ActivationLayout

    public init(input: ActivationLayout, output: ActivationLayout) {
        (self.input, self.output) = (input, output)
    }

    /// Both plain: what every layer computes in.
    public static let plain = LayerLayouts(input: .plain, output: .plain)

    /// Both channel-blocked.
    public static let channelBlocked = LayerLayouts(input: .channelBlocked16, output: .channelBlocked16)
}

/// A layer that computes only on plain activations and fuses no ReLU: the default.
extension Layer {
    public mutating func accepts(_ layouts: LayerLayouts, batch: Int) -> Bool { layouts == .plain }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        precondition(layouts == .plain, "\(type(of: self)) computes on plain activations only")
        forward(input, into: &output, training: training, generator: &generator)
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>, layouts: LayerLayouts
    ) {
        precondition(layouts == .plain, "\(type(of: self)) computes on plain activations only")
        backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient)
    }

    public mutating func fusesReLU(_ layouts: LayerLayouts, batch: Int) -> Bool { false }

    public mutating func forwardWithReLU(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        forward(input, into: &output, layouts: layouts, training: training, generator: &generator)
        ReLU.rectify(&output)
    }
}
