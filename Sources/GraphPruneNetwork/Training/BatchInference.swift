import GraphPruneIO
import GraphPruneNumerics

/// A model answering batches of one fixed size in evaluation mode (dropout off, BatchNorm's
/// running statistics) on buffers allocated once: what serving a model, and timing it, needs.
///
/// It holds its own copy of the layers and one workspace (every activation, `batch × size`), so
/// the model it was made from is untouched and a call allocates nothing: the batch is copied into
/// the first activation, every node runs in order, and the logits are copied out.
/// `Network.logits` instead splits any number of samples into chunks and allocates per chunk.
///
/// - Complexity: one forward pass a call; memory `batch · Σ sizes` floats.
public struct BatchInference {
    /// Samples per call.
    public let batch: Int
    private var layers: [any Layer]
    private let architecture: Architecture
    private var workspace: Network.Workspace
    private var generator = SplitMix64(seed: 0)  // unused in evaluation mode

    /// Buffers for batches of `batch` samples of `network` (traps unless `batch > 0`).
    public init(_ network: Network, batch: Int) {
        precondition(batch > 0, "BatchInference: batch \(batch) must be positive")
        self.batch = batch
        architecture = network.architecture
        var layers = network.layers
        let plan = network.plansExecution ? Network.executionPlan(&layers, architecture: network.architecture, batch: batch) : nil
        self.layers = layers
        workspace = Network.Workspace(batch: batch, network: network, gradients: false, plan: plan)
    }

    /// Features per sample and classes (logits) per sample.
    public var inputs: Int { architecture.sizes[0] }
    public var classes: Int { architecture.sizes[layers.count] }

    /// Writes the logits of `features` (`batch × inputs`, one sample per row) into `logits`
    /// (`batch × classes`, row `b` = sample `b`), whose storage is reused.
    public mutating func forward(_ features: Matrix<Float>, into logits: inout Matrix<Float>) {
        features.requireShape(batch, inputs, "BatchInference features")
        logits.requireShape(batch, classes, "BatchInference logits")
        _ = workspace.activations[0].elements.withUnsafeMutableBufferPointer { $0.update(fromContentsOf: features.elements) }
        Network.forward(&layers, architecture: architecture, &workspace, training: false, generator: &generator)
        let last = layers.count
        workspace.activations[last].elements.withUnsafeBufferPointer { source in
            logits.elements.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: source) }
        }
    }
}
