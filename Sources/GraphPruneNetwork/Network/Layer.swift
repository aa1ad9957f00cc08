import GraphPruneNumerics

/// A layer of a feed-forward network, computing on **batch-major** activations: a
/// `Matrix<Float>` of `batch × features`, row `b` = sample `b`.
///
/// The model owns every activation and gradient buffer and passes them in, so a training step
/// allocates nothing: `forward` and `backward` write into `inout` matrices whose shapes the
/// model prepared (`batch × outputSize(inputSize)` and `batch × inputSize`).
public protocol Layer: Sendable {
    /// Features out for `inputSize` features in.
    func outputSize(inputSize: Int) -> Int

    /// `output ← f(input)`. `training` switches dropout (and similar) on; random choices draw
    /// from `generator`, the run's stream.
    mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64)

    /// Given `∂L/∂output`, writes `∂L/∂input` into `inputGradient` and stores this batch's
    /// parameter gradients `∂L/∂θ` (overwriting the previous batch's). `input` and `output` are
    /// the matrices of the matching `forward`. A layer whose `skipsInputGradient` is true is
    /// given a `0 × 0` `inputGradient` when it is the first layer (no one needs `∂L/∂input`).
    mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>)

    /// Whether the layer accepts a `0 × 0` `inputGradient` meaning "not needed" and then skips
    /// that product (a Dense first layer saves a third of its backward work).
    var skipsInputGradient: Bool { get }

    /// Calls `body` once per parameter tensor, in a fixed order, with its values (to update in
    /// place) and the gradient of the last `backward`, of the same count.
    mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void)
}

extension Layer {
    public var skipsInputGradient: Bool { false }

    /// Layers without parameters visit nothing.
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {}
}

/// An optimiser: updates one parameter tensor from its gradient, keeping per-tensor state
/// (momentum, moments) under the tensor's fixed `index` in the model's visiting order.
public protocol Optimizer: Sendable {
    /// Called once per training step before the tensors are visited (Adam's step count).
    mutating func beginStep()
    mutating func update(index: Int, values: inout [Float], gradient: [Float], learningRate: Float)
    /// Carries tensor `index`'s per-entry state over a rewiring of its storage (a `SparseDense`
    /// layer's `rewire`): new entry `k` takes the state of old entry `map[k]`, added entries
    /// start from the zero state. A tensor without state yet (never updated, or a stateless
    /// optimiser) is left alone; state of another length than `map.oldCount` is a programming
    /// error (trap). Global state (Adam's step count) is unchanged.
    mutating func remapState(index: Int, by map: PositionMap)
}

/// Sets every entry to 0 (the gradients of an empty batch).
func zeroFill(_ values: inout [Float]) {
    values.withUnsafeMutableBufferPointer { p in
        if let base = p.baseAddress { base.update(repeating: 0, count: p.count) }
    }
}
