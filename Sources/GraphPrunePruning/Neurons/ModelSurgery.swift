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
    /// classifier for `classes`: with `hidden` empty, one Dense layer `classes × d`; otherwise
    /// the paper-002 head `Dense h₁ → ReLU (→ Dropout) → … → Dense classes` appended to the
    /// backbone (its notebooks' `Dense 256 → Dropout 0.3`). Weights are PyTorch-oriented (row =
    /// one unit's incoming weights), drawn by `initializer` (the toolkit's conventions,
    /// `Initializer`, fans from each layer's inputs and outputs, row-major draw order) from one
    /// `SplitMix64(seed)`, the hidden layers first and the output layer last; biases 0. Every
    /// other layer is copied unchanged, so the backbone's parameters are bit-identical; the
    /// architecture records the new nodes and class count (a checkpoint round-trips it). In a
    /// chain the nodes keep the chain's names (`layers.{i}`); in a graph the new nodes are
    /// `head.{k}` and the output layer keeps its name.
    ///
    /// Throws when `classes < 1`, a hidden width is below 1, `dropout` is outside [0, 1), the
    /// model has no Dense layer, or the head is not the last parameterised layer or is followed
    /// by a layer with per-unit parameters (SReLU), which a new class count would not fit.
    /// - Complexity: O(nodes + the new head's weights).
    public static func replacingHead(
        of model: Network, classes: Int, hidden: [Int] = [], dropout: Double = 0, initializer: Initializer, seed: UInt64
    ) throws -> Network {
        guard classes >= 1 else { throw ModelSurgeryError("classes \(classes) must be at least 1") }
        if let width = hidden.first(where: { $0 < 1 }) { throw ModelSurgeryError("head width \(width) must be at least 1") }
        guard dropout >= 0 && dropout < 1 else { throw ModelSurgeryError("head dropout \(dropout) is outside [0, 1)") }
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
        var generator = SplitMix64(seed: seed)
        var newSpecs = [Architecture.LayerSpec](), newLayers = [any Layer]()
        var width = architecture.sizes[architecture.inputs[head][0]]
        for units in hidden {
            newLayers.append(Dense(inputs: width, outputs: units, initializer: initializer, generator: &generator))
            newSpecs.append(.dense(outputs: units))
            newLayers.append(ReLU())
            newSpecs.append(.relu)
            if dropout > 0 {
                newLayers.append(Dropout(rate: Float(dropout)))
                newSpecs.append(.dropout(rate: dropout))
            }
            width = units
        }
        newLayers.append(Dense(inputs: width, outputs: classes, initializer: initializer, generator: &generator))
        newSpecs.append(.dense(outputs: classes))
        // Nodes from the head on move by the inserted count; so do the activations they give.
        let inserted = newSpecs.count - 1
        let moved = { (a: Int) in a > head ? a + inserted : a }
        let newInputs = newSpecs.indices.map { k in k == 0 ? architecture.inputs[head] : [head + k] }
        let headNames = (0..<inserted).map { "head.\($0)" } + [names[head]]
        if !architecture.isChain, let clash = headNames.dropLast().first(where: names.contains) {
            throw ModelSurgeryError("the new head's node name \(clash) is already a node of the model")
        }
        var layers = Array(model.layers[..<head]) + newLayers
        layers += model.layers[(head + 1)...]
        let specs = Array(architecture.layers[..<head]) + newSpecs + architecture.layers[(head + 1)...]
        let inputs = Array(architecture.inputs[..<head]) + newInputs + architecture.inputs[(head + 1)...].map { $0.map(moved) }
        let nodeNames = architecture.isChain
            ? Architecture(inputShape: architecture.inputShape, layers: specs).names
            : Array(names[..<head]) + headNames + names[(head + 1)...]
        let rebuilt = Architecture(inputShape: architecture.inputShape, layers: specs, inputs: inputs, names: nodeNames, builtIn: architecture.builtIn)
        return Network(architecture: rebuilt, layers: layers)
    }
}

/// A surgery request that cannot be carried out; the message names the layer or option.
public struct ModelSurgeryError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
