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
        public enum Kind: String, Equatable, Sendable { case dense, sparseDense, convolution }
        /// Position in the model (node index).
        public var position: Int
        /// Neurons: Dense/SparseDense outputs, convolution filters.
        public var units: Int
        public var kind: Kind
        /// The node's name (`layers.{position}` in a chain).
        public var name: String
    }

    /// The Dense, SparseDense and ungrouped convolution layers in order (the producers of
    /// `DependencyGroup`), except the output layer (the last of them, which gives the logits).
    /// O(layers).
    public static func prunableLayers(of model: Network) -> [PrunableLayer] {
        let output = NeuronPruning.outputPosition(of: model)
        return model.architecture.layers.enumerated().compactMap { i, spec in
            guard i != output, let units = NeuronPruning.units(at: i, in: model) else { return nil }
            let kind: PrunableLayer.Kind
            switch spec {
            case .dense: kind = .dense
            case .sparseDense: kind = .sparseDense
            case .convolution(let c) where c.groups > 1: return nil  // channel-wise or blocking, not a producer
            case .conv2d, .convolution: kind = .convolution
            case .maxPool, .averagePool, .globalAveragePooling, .relu, .srelu, .dropout, .batchNorm, .add, .flatten, .identity,
                 .pooling, .clip, .channelAffine, .sigmoid, .silu, .multiply:
                return nil
            }
            return PrunableLayer(position: i, units: units, kind: kind, name: model.architecture.names[i])
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
        let architecture = model.architecture
        guard let head = architecture.layers.lastIndex(where: { if case .dense = $0 { true } else { false } }) else {
            throw ModelSurgeryError("the model has no Dense layer to serve as its head")
        }
        let names = architecture.names
        for k in (head + 1)..<architecture.layers.count {
            switch architecture.layers[k] {
            case .relu, .dropout, .identity: continue
            default:
                throw ModelSurgeryError("the head \(names[head]) is followed by \(names[k]) (\(architecture.layers[k])), which a new class count does not fit")
            }
        }
        let inputs = architecture.sizes[architecture.inputs[head][0]]
        var generator = SplitMix64(seed: seed)
        var layers = model.layers
        layers[head] = Dense(inputs: inputs, outputs: classes, initializer: initializer, generator: &generator)
        var specs = architecture.layers
        specs[head] = .dense(outputs: classes)
        return Network(architecture: architecture.replacingLayers(specs), layers: layers)
    }
}

/// A surgery request that cannot be carried out; the message names the layer or option.
public struct ModelSurgeryError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
