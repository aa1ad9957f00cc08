import GraphPruneIO
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

    /// Whether the layer computes with its input (and `∂L/∂input`) and its output (and
    /// `∂L/∂output`) in `layouts` for batches of `batch`. Every layer computes `.plain`; a layer
    /// that also computes channel-blocked says so (`LayerLayouts.swift`). Mutating because a
    /// convolution builds its oneDNN primitives to know.
    mutating func accepts(_ layouts: LayerLayouts, batch: Int) -> Bool

    /// `forward` with the activations in `layouts`, which `accepts` approved for this batch size.
    mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64)

    /// `backward` with the activations and their gradients in `layouts` (those of the forward).
    mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>, layouts: LayerLayouts)

    /// Whether the layer computes `max(0, f(input))` in its forward pass at no extra pass over the
    /// output, with `layouts`, for batches of `batch` (a oneDNN convolution's post-op): then the
    /// network runs a ReLU that follows it inside it (`Network+ReLUFusion.swift`). Default: no.
    mutating func fusesReLU(_ layouts: LayerLayouts, batch: Int) -> Bool

    /// `output ← max(0, f(input))`, entrywise (the default: `forward`, then the ReLU in place).
    mutating func forwardWithReLU(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64)

    /// Whether the layer accepts a `0 × 0` `inputGradient` meaning "not needed" and then skips
    /// that product (a Dense first layer saves a third of its backward work).
    var skipsInputGradient: Bool { get }

    /// Calls `body` once per parameter tensor, in a fixed order, with its values (to update in
    /// place) and the gradient of the last `backward`, of the same count.
    mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void)

    /// The layer's state as a PyTorch state dict holds it, named relative to the layer's node
    /// (`weight`, `bias`, `running_mean`, `mask`, …; the checkpoint prefixes the node's name),
    /// parameters and buffers in a fixed order. A layer without state conforms to
    /// `StatelessLayer`, which says so once.
    var stateTensors: [NamedTensor] { get }

    /// Connections with a nonzero weight (a sparse layer: its stored connections): what a
    /// training record counts as the model's connections. 0 for layers without weights.
    var nonzeroConnections: Int { get }

    /// The connections a mask or a sparse pattern keeps (a stored connection counts even when
    /// its weight is 0), or nil when every weight of the layer is a connection (or it has none).
    var maskedConnections: Int? { get }

    /// The layer's weights as the biadjacency of its bipartite graph (out × in), with their
    /// gradient and mask, or nil for a layer without weights. Computed on demand (a sparse
    /// layer builds dense matrices): for scoring and pruning, not for training steps.
    var connections: LayerConnections? { get }

    /// The layer keeping only the units `selection` lists: structured pruning's rebuild. A
    /// layer with weights keeps the output rows `selection.outputs` and the input column blocks
    /// of the channels `selection.inputs`; a channel-wise layer (BatchNorm, pooling, a
    /// depthwise convolution) keeps the channels `selection.inputs`; every layer adopts the new
    /// input shape `selection.input`.
    func restricted(to selection: UnitSelection) -> any Layer

    /// The layer keeping only the connections where `mask` (out × in, the shape of
    /// `connections.weight`) is nonzero — edge pruning's result: a Dense layer becomes truly
    /// sparse, a convolution masked. A layer without connections is returned unchanged.
    func keepingConnections(_ mask: Matrix<Float>) -> any Layer

    /// What the layer does in evaluation mode as one of the few operations path-based scores
    /// (SynFlow) linearise (`PathOperation`).
    var pathOperation: PathOperation { get }
}

extension Layer {
    public var skipsInputGradient: Bool { false }
}

/// A layer without connections between units (activations, pooling, BatchNorm, SReLU): it
/// counts none, offers none to scoring, and edge pruning leaves it unchanged. It still states
/// its own parameters and state tensors, if any.
public protocol ConnectionlessLayer: Layer {}

extension ConnectionlessLayer {
    public var nonzeroConnections: Int { 0 }
    public var maskedConnections: Int? { nil }
    public var connections: LayerConnections? { nil }
    public func keepingConnections(_ mask: Matrix<Float>) -> any Layer { self }
}

/// A layer without parameters or buffers (activations, pooling, dropout, identity): it visits
/// no parameters, saves nothing and has no connections. (It still states how it is
/// `restricted(to:)`: pooling needs its new input shape.)
public protocol StatelessLayer: ConnectionlessLayer {}

extension StatelessLayer {
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {}
    public var stateTensors: [NamedTensor] { [] }
}

extension Matrix where Scalar == Float {
    /// Entries that are not zero. O(rows · columns).
    public var nonzeroCount: Int { elements.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
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
