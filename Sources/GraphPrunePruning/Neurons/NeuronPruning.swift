import GraphPruneGraphs
import GraphPruneNetwork
import GraphPruneNumerics

/// Structured (neuron) pruning that rebuilds a real, smaller model (paper 002: score every neuron
/// of a layer — e.g. by eigenvector centrality in its neuron-similarity graph — and remove the
/// least important ones).
///
/// **Neurons.** A Dense or SparseDense layer's neurons are the rows of its `out × in` weight
/// (PyTorch `nn.Linear` orientation: row `j` = neuron `j`'s incoming weights; a sparse layer is
/// scored on `denseWeight()`, zeros off its pattern). A Conv2D layer's neurons are its filters,
/// scored on their flattened kernels: the rows of its `filters × (C·kh·kw)` weight (zeros where
/// a mask prunes them).
///
/// **Selection.** Each layer `ℓ` listed with `n_ℓ` neurons loses `k_ℓ = ⌊p · n_ℓ⌋` of them (the
/// rule of `NodeScores.keptMask(pruneRatio:)`, including its 1e-9 relative tolerance, see
/// `prunedCount(ratio:units:)`): those ranked last by the scorer (scores descending, ties by the
/// lower index first, so the kept set is deterministic). **All listed layers are scored on the
/// original (trained) model's weights** — a one-shot structured prune: layer ℓ's scores use its
/// full original rows, including the input columns that pruning an earlier listed layer removes,
/// so the selection of every layer is independent of the others'.
///
/// **Rebuild.** With `K` the kept neurons (ascending) of a pruned layer at position `i`:
/// - the layer keeps the weight rows `K` and biases `b[K]` (a sparse layer keeps its stored
///   connections in those rows, re-indexed; it stays sparse; an edge-pruned convolution keeps
///   the same rows and columns of its mask);
/// - layers up to the next parameterised layer are sliced to the kept units: an SReLU keeps the
///   per-unit parameters of the kept features; a MaxPool2D / GlobalAveragePooling after a
///   convolution keeps the kept channels;
/// - the next parameterised layer keeps the matching **input columns** (which paper 002's code
///   forgot): after a Dense, columns `K`; a Conv2D after a Conv2D, the input-channel slices
///   `c·kh·kw ..< (c+1)·kh·kw`, `c ∈ K`; a Dense after convolution/pooling, the column groups
///   `c·H·W ..< (c+1)·H·W` of the kept channels (activations are flattened channels first,
///   `C·H·W`, with `H × W` the spatial extent at that layer's input).
/// The new `Architecture` records the smaller widths, so `ModelCheckpoint` round-trips the model.
/// When the activation after every pruned layer is ReLU (or any map with f(0) = 0 per unit), the
/// rebuilt model computes exactly what the original computes with the pruned neurons' incoming
/// weights and biases set to zero.
///
/// **Refused** (typed errors naming `layers.{i}`): the output layer (the last parameterised
/// layer, i.e. the logits), a layer without neurons, a request leaving fewer than
/// `minimumWidth` neurons (layer collapse), and chains that cannot be sliced exactly (a pool or
/// a convolution after a Dense layer mixes its units).
public struct NeuronPruning: Sendable {
    /// Scores each layer's neurons (higher = more important).
    public var scorer: any ImportanceScorer
    /// The fraction `p ∈ [0, 1)` of neurons removed from every listed layer.
    public var pruneRatio: Double
    /// The fewest neurons a pruned layer may keep (≥ 1).
    public var minimumWidth: Int

    public init(scorer: any ImportanceScorer, pruneRatio: Double, minimumWidth: Int = 1) {
        self.scorer = scorer
        self.pruneRatio = pruneRatio
        self.minimumWidth = minimumWidth
    }

    /// Scores, selects and rebuilds (see the type's documentation).
    /// - Parameter positions: the layers to prune (`layers.{i}`), in any order, each once.
    /// - Complexity: the scorer's cost on each listed layer, plus O(parameters) copying.
    public func prune(_ model: Network, layers positions: [Int]) throws -> NeuronPruningResult {
        try NeuronPruning.validate(pruneRatio: pruneRatio, minimumWidth: minimumWidth)
        let sorted = try NeuronPruning.checkPositions(positions, in: model)
        for position in sorted {
            let units = NeuronPruning.units(of: model.layers[position])!
            let pruned = NeuronPruning.prunedCount(ratio: pruneRatio, units: units)
            if units - pruned < minimumWidth {
                throw NeuronPruningError.collapse(position: position, units: units, pruned: pruned, minimumWidth: minimumWidth)
            }
        }
        var selections = [Int: (kept: [Int], scores: NodeScores)]()
        for position in sorted {
            let scores = try NeuronPruning.score(model.layers[position], at: position, with: scorer)
            let mask = scores.keptMask(pruneRatio: pruneRatio)
            selections[position] = (mask.indices.filter { mask[$0] }, scores)
        }
        let rebuilt = NeuronPruning.rebuild(model, keeping: selections.mapValues(\.kept))
        let before = ModelCost(model), after = ModelCost(rebuilt)
        let reports = sorted.map { position in
            NeuronPruningLayerReport(
                position: position, unitsBefore: NeuronPruning.units(of: model.layers[position])!,
                kept: selections[position]!.kept, scores: selections[position]!.scores.values,
                diagnostics: selections[position]!.scores.diagnostics,
                parametersBefore: before.layers[position].parameters, parametersAfter: after.layers[position].parameters,
                flopsBefore: before.layers[position].flops, flopsAfter: after.layers[position].flops)
        }
        return NeuronPruningResult(model: rebuilt, layers: reports, costBefore: before, costAfter: after)
    }

    /// `⌊p · n⌋` after a relative tolerance of 1e-9 (as `NodeScores.keptMask`), at most `n`.
    public static func prunedCount(ratio: Double, units: Int) -> Int {
        min(units, Int((ratio * Double(units) * (1 + 1e-9)).rounded(.down)))
    }

    /// The position of the output layer: the last Dense, SparseDense or Conv2D layer (the one
    /// giving the logits), or nil for a model without one.
    public static func outputPosition(of model: Network) -> Int? {
        model.layers.lastIndex { units(of: $0) != nil }
    }

    /// The neuron count of a prunable layer (rows of its weight), nil for other layers.
    static func units(of layer: any Layer) -> Int? {
        switch layer {
        case let d as Dense: return d.outputs
        case let s as SparseDense: return s.outputs
        case let c as Conv2D: return c.filters
        default: return nil
        }
    }

    /// The layer's neurons as rows (`n × d`, out × in), as the scorers take them.
    static func neuronRows(of layer: any Layer) -> Matrix<Float>? {
        switch layer {
        case let d as Dense: return d.weight
        case let s as SparseDense: return s.denseWeight()
        case let c as Conv2D: return c.weight
        default: return nil
        }
    }

    /// The scorer's scores of the layer at `position`; a count that is not one per neuron is an error.
    static func score(_ layer: any Layer, at position: Int, with scorer: any ImportanceScorer) throws -> NodeScores {
        let rows = neuronRows(of: layer)!
        let scores = try scorer.scores(neurons: rows)
        guard scores.values.count == rows.rows else {
            throw NeuronPruningError.scoreCount(position: position, scorer: scorer.name, expected: rows.rows, got: scores.values.count)
        }
        return scores
    }

    static func validate(pruneRatio: Double, minimumWidth: Int) throws {
        guard pruneRatio >= 0 && pruneRatio < 1 else {
            throw NeuronPruningError.invalidOption("prune ratio \(pruneRatio) is outside [0, 1)")
        }
        guard minimumWidth >= 1 else {
            throw NeuronPruningError.invalidOption("minimum width \(minimumWidth) must be at least 1")
        }
    }

    /// Checks the positions (in range, distinct, prunable, not the output layer, followed by a
    /// chain that can be sliced exactly) and returns them ascending.
    static func checkPositions(_ positions: [Int], in model: Network) throws -> [Int] {
        guard !positions.isEmpty else { throw NeuronPruningError.invalidOption("no layers to prune were given") }
        guard model.architecture.isChain else {
            throw NeuronPruningError.invalidOption("\(model.architecture.summary) is a graph with branches: neuron pruning rebuilds chains only (pruning over dependency groups is not built yet)")
        }
        let sorted = positions.sorted()
        for (a, b) in zip(sorted, sorted.dropFirst()) where a == b {
            throw NeuronPruningError.invalidOption("layers.\(a) is listed twice")
        }
        let output = outputPosition(of: model)
        for position in sorted {
            guard position >= 0 && position < model.layers.count else {
                throw NeuronPruningError.invalidOption("layers.\(position) does not exist: the model has \(model.layers.count) layers")
            }
            let layer = model.layers[position]
            guard units(of: layer) != nil else {
                throw NeuronPruningError.notPrunable(position: position, kind: String(describing: type(of: layer)))
            }
            if position == output { throw NeuronPruningError.outputLayer(position: position) }
            try checkChain(after: position, in: model)
        }
        return sorted
    }

    /// The layers between a pruned layer and the next parameterised one must carry its units
    /// through unchanged (elementwise maps; pooling only per channel of a convolution), and a
    /// convolution cannot follow a pruned Dense layer (it would mix the units spatially).
    private static func checkChain(after position: Int, in model: Network) throws {
        let channels = model.layers[position] is Conv2D
        for k in (position + 1)..<model.layers.count {
            let layer = model.layers[k]
            switch layer {
            case is ReLU, is SReLU, is Dropout:
                continue
            case is MaxPool2D, is GlobalAveragePooling:
                guard channels else {
                    throw NeuronPruningError.unsupportedChain(
                        position: position, next: k, reason: "a pooling layer after a Dense layer mixes its units")
                }
            case is Dense, is SparseDense:
                return
            case is Conv2D:
                guard channels else {
                    throw NeuronPruningError.unsupportedChain(
                        position: position, next: k, reason: "a convolution after a Dense layer mixes its units")
                }
                return
            default:
                throw NeuronPruningError.unsupportedChain(
                    position: position, next: k, reason: "\(type(of: layer)) layers cannot be sliced to the kept units")
            }
        }
    }
}

/// What pruning did to one layer.
public struct NeuronPruningLayerReport: Equatable, Sendable {
    /// Position of the pruned layer (`layers.{position}`).
    public var position: Int
    /// Neurons before pruning.
    public var unitsBefore: Int
    /// The kept neurons' indices in the original layer, ascending.
    public var kept: [Int]
    /// The scorer's score of every original neuron (higher = more important).
    public var scores: [Double]
    /// What the scorer reported about its computation.
    public var diagnostics: ScoreDiagnostics
    /// This layer's own trainable parameters and forward FLOPs per sample (see `ModelCost`)
    /// before and after (its rows and, if an earlier layer was pruned, its columns removed).
    public var parametersBefore: Int
    public var parametersAfter: Int
    public var flopsBefore: Int
    public var flopsAfter: Int

    /// `layers.{position}`.
    public var name: String { "layers.\(position)" }
    /// Neurons after pruning.
    public var unitsAfter: Int { kept.count }
}

/// A pruned, rebuilt model with its per-layer reports and whole-model costs.
public struct NeuronPruningResult: Sendable {
    public var model: Network
    /// One report per pruned layer, by ascending position.
    public var layers: [NeuronPruningLayerReport]
    public var costBefore: ModelCost
    public var costAfter: ModelCost
}

/// Why a neuron-pruning request was refused; the message names the layer or option.
public enum NeuronPruningError: Error, Equatable, CustomStringConvertible {
    case invalidOption(String)
    case notPrunable(position: Int, kind: String)
    case outputLayer(position: Int)
    case collapse(position: Int, units: Int, pruned: Int, minimumWidth: Int)
    case unsupportedChain(position: Int, next: Int, reason: String)
    case scoreCount(position: Int, scorer: String, expected: Int, got: Int)
    case scorerNeeded(position: Int)
    case invalidTarget(String)

    public var description: String {
        switch self {
        case let .invalidOption(message):
            return message
        case let .notPrunable(position, kind):
            return "layers.\(position) is a \(kind): only Dense, SparseDense and Conv2D layers have neurons to prune"
        case let .outputLayer(position):
            return "layers.\(position) is the output layer (the logits): it cannot be pruned"
        case let .collapse(position, units, pruned, minimumWidth):
            return "layers.\(position): pruning \(pruned) of \(units) neurons leaves \(units - pruned), fewer than the minimum width \(minimumWidth)"
        case let .unsupportedChain(position, next, reason):
            return "layers.\(position) cannot be pruned: at layers.\(next), \(reason)"
        case let .scoreCount(position, scorer, expected, got):
            return "layers.\(position): scorer '\(scorer)' returned \(got) scores for \(expected) neurons"
        case let .scorerNeeded(position):
            return "layers.\(position) is sparse or masked: its parameter count depends on which neurons are kept, so a scorer is needed"
        case let .invalidTarget(message):
            return message
        }
    }
}
