import GraphPruneNetwork
import GraphPruneNumerics

/// Model surgery for transfer learning and pruning set-up: replace a model's classification head,
/// and list the layers whose neurons can be pruned.
///
/// Transfer protocol example: pre-train on classes 0–4 (a 5-way head), then
/// `replacingHead(of: model, classes: 5, initializer: .glorotUniform, seed: s)` attaches a fresh
/// head for classes 5–9 (relabelled 0–4) while every other layer stays bit-identical.
public enum ModelSurgery {
    /// A layer with neurons that `NeuronPruning` may remove.
    public struct PrunableLayer: Equatable, Sendable {
        /// Position in the model.
        public var position: Int
        /// Neurons: Dense/SparseDense outputs, Conv2D filters.
        public var units: Int
        /// `"dense"`, `"sparseDense"` or `"conv2d"`.
        public var kind: String

        /// `layers.{position}`, the PyTorch-style name.
        public var name: String { "layers.\(position)" }
    }

    /// The Dense, SparseDense and Conv2D layers in order, except the output layer (the last of
    /// them, which gives the logits). O(layers).
    public static func prunableLayers(of model: Network) -> [PrunableLayer] {
        let output = NeuronPruning.outputPosition(of: model)
        return model.layers.enumerated().compactMap { i, layer in
            guard i != output, let units = NeuronPruning.units(of: layer) else { return nil }
            let kind = layer is Dense ? "dense" : layer is SparseDense ? "sparseDense" : "conv2d"
            return PrunableLayer(position: i, units: units, kind: kind)
        }
    }

    /// `model` with its head — the last Dense layer, `classes_old × d` — replaced by a fresh
    /// Dense layer `classes × d` (PyTorch orientation, row = one class's incoming weights): the
    /// weights drawn by `initializer` (the toolkit's conventions, `Initializer`, fans `d` and
    /// `classes`, row-major draw order) from `SplitMix64(seed)`, biases 0. Every other layer is
    /// copied unchanged, so the backbone's parameters are bit-identical; the architecture records
    /// the new class count (a checkpoint round-trips it).
    ///
    /// Throws when `classes < 1`, when the model has no Dense layer, or when the head is not the
    /// last parameterised layer or is followed by a layer with per-unit parameters (SReLU), which
    /// a new class count would not fit.
    /// - Complexity: O(classes · d) draws.
    public static func replacingHead(
        of model: Network, classes: Int, initializer: Initializer, seed: UInt64
    ) throws -> Network {
        guard classes >= 1 else { throw ModelSurgeryError("classes \(classes) must be at least 1") }
        guard let head = model.layers.lastIndex(where: { $0 is Dense }) else {
            throw ModelSurgeryError("the model has no Dense layer to serve as its head")
        }
        for k in (head + 1)..<model.layers.count {
            let layer = model.layers[k]
            guard layer is ReLU || layer is Dropout else {
                throw ModelSurgeryError("the head layers.\(head) is followed by layers.\(k) (\(type(of: layer))), which a new class count does not fit")
            }
        }
        let inputs = (model.layers[head] as! Dense).inputs
        var generator = SplitMix64(seed: seed)
        var layers = model.layers
        layers[head] = Dense(inputs: inputs, outputs: classes, initializer: initializer, generator: &generator)
        var architecture = model.architecture
        architecture.layers[head] = .dense(outputs: classes)
        return Network(architecture: architecture, layers: layers)
    }
}

/// A surgery request that cannot be carried out; the message names the layer or option.
public struct ModelSurgeryError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
