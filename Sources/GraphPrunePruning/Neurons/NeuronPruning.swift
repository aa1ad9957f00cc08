import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// Structured (neuron) pruning that rebuilds a real, smaller model (paper 002: score every neuron
/// of a layer — e.g. by eigenvector centrality in its neuron-similarity graph — and remove the
/// least important ones), over **dependency groups** (`DependencyGroup`), so that the pruned
/// model stays valid in any graph: a ResNet's residual sums, BatchNorms, shortcuts.
///
/// **Neurons.** A Dense or SparseDense layer's neurons are the rows of its `out × in` weight
/// (PyTorch `nn.Linear` orientation: row `j` = neuron `j`'s incoming weights; a sparse layer is
/// scored on its dense view, zeros off its pattern). A convolution's neurons are its filters,
/// the rows of its `filters × (C·kh·kw)` weight (zeros where a mask prunes them). A listed
/// layer prunes its whole group: every producer coupled to it by a residual sum loses the same
/// channels.
///
/// **Scores.** A group's channels are scored as one layer of `units` neurons (`GroupScoring`):
/// by default each channel's vector is the concatenation of its rows in every producer — its
/// incoming weights, all of which make the channel's value — which for a group of one layer is
/// exactly that layer's rows; alternatively each producer is scored alone and the scores are
/// reduced per channel (mean, max or sum).
///
/// **Selection.** Each group `g` listed with `n_g` channels loses `k_g = ⌊p · n_g⌋` of them (the
/// rule of `NodeScores.keptMask(pruneRatio:)`, including its 1e-9 relative tolerance, see
/// `prunedCount(ratio:units:)`): those ranked last by the scorer (scores descending, ties by the
/// lower index first, so the kept set is deterministic). **All listed groups are scored on the
/// original (trained) model's weights** — a one-shot structured prune: a group's scores use the
/// full original rows, including the input columns that pruning an earlier group removes, so
/// the selection of every group is independent of the others'. With `scope` `global`, the
/// `⌊p · Σ n_g⌋` lowest channels over all listed groups go instead, each group's scores divided
/// by its mean, maximum or L2 norm (`normalization`), no group below `minimumWidth`.
///
/// **Rebuild** (`Layer.restricted(to:)`): every producer keeps its kept rows and biases; every
/// channel-wise member keeps the kept channels (BatchNorm's γ, β and running statistics, an
/// SReLU's per-feature parameters, a depthwise convolution's filters; pools adopt the new
/// shape); every consumer keeps the input column blocks of the kept channels — after a Dense,
/// columns `K`; a convolution after a convolution, the input-channel slices
/// `c·kh·kw ..< (c+1)·kh·kw`; a Dense after convolution/pooling/Flatten, the column groups
/// `c·H·W ..< (c+1)·H·W` (activations are flattened channels first). The new `Architecture`
/// records the smaller widths, so `ModelCheckpoint` round-trips the model. The rebuilt model
/// computes exactly what the original computes with the pruned channels' columns in every
/// consumer set to zero (in evaluation mode).
///
/// **Refused** (typed errors naming the layer): the output layer (its channels are the logits),
/// a layer without neurons, a group that cannot be pruned (`DependencyGroup.blocked`: a
/// convolution reading a Dense layer's units as pixels, a grouped convolution), and a request
/// leaving fewer than `minimumWidth` channels (layer collapse).
public struct NeuronPruning: Sendable {
    /// Scores each group's channels (higher = more important): a weight-only scorer through
    /// `WeightNeuronScores`, or a data-aware one (`NeuronScorer`).
    public var scorer: any NeuronScorer
    /// The fraction `p ∈ [0, 1)` of channels removed from every listed group.
    public var pruneRatio: Double
    /// The fewest channels a pruned group may keep (≥ 1).
    public var minimumWidth: Int
    /// Whether every group loses `⌊p · n_g⌋` channels (`layer`) or `⌊p · Σ n_g⌋` channels go
    /// over all listed groups together (`global`, scores normalised per group by
    /// `normalization`; `minimumWidth` protects every group).
    public var scope: NeuronScope = .layer
    public var normalization: ScoreNormalization = .mean

    /// Pruning by a weight-only scorer, a group of several producers scored by `groupScoring`.
    public init(scorer: any ImportanceScorer, pruneRatio: Double, minimumWidth: Int = 1, groupScoring: GroupScoring = .concatenated) {
        self.init(scorer: WeightNeuronScores(scorer, groupScoring: groupScoring), pruneRatio: pruneRatio, minimumWidth: minimumWidth)
    }

    public init(scorer: any NeuronScorer, pruneRatio: Double, minimumWidth: Int = 1) {
        self.scorer = scorer
        self.pruneRatio = pruneRatio
        self.minimumWidth = minimumWidth
    }

    /// Scores, selects and rebuilds (see the type's documentation).
    /// - Parameters:
    ///   - positions: the layers to prune (node indices), in any order, each once; layers of
    ///     one group prune it once.
    ///   - data: training data, for a scorer that `needsData`.
    /// - Complexity: the scorer's cost on each listed group, plus O(parameters) copying.
    public func prune(_ model: Network, layers positions: [Int], data: LabeledData? = nil) throws -> NeuronPruningResult {
        try NeuronPruning.validate(pruneRatio: pruneRatio, minimumWidth: minimumWidth)
        let groups = try NeuronPruning.groups(for: positions, in: model)
        let names = model.architecture.names
        for group in groups {
            // Layerwise every group loses its share; globally the minimum width only caps it.
            let pruned = scope == .layer ? NeuronPruning.prunedCount(ratio: pruneRatio, units: group.units) : 0
            if group.units - pruned < minimumWidth {
                throw NeuronPruningError.collapse(
                    position: group.producers[0], units: group.units, pruned: pruned, minimumWidth: minimumWidth,
                    name: names[group.producers[0]])
            }
        }
        let scores = try scorer.scores(of: groups, in: model, data: data)
        for (group, s) in zip(groups, scores) where s.values.count != group.units {
            throw NeuronPruningError.scoreCount(name: names[group.producers[0]], scorer: scorer.name, expected: group.units, got: s.values.count)
        }
        let kept: [[Int]]
        switch scope {
        case .layer:
            kept = scores.map { s in
                let mask = s.keptMask(pruneRatio: pruneRatio)
                return mask.indices.filter { mask[$0] }
            }
        case .global:
            kept = try GlobalChannelRanking.kept(
                scores: scores, names: groups.map { names[$0.producers[0]] }, ratio: pruneRatio,
                minimumWidth: minimumWidth, normalization: normalization)
        }
        let selections = groups.indices.map { (group: groups[$0], kept: kept[$0], scores: scores[$0]) }
        let rebuilt = try NeuronPruning.rebuild(model, keeping: selections.map { ($0.group, $0.kept) })
        let before = ModelCost(model), after = ModelCost(rebuilt)
        let reports = selections.map { s in
            NeuronPruningLayerReport(
                position: s.group.producers[0], name: names[s.group.producers[0]],
                coupled: s.group.producers.dropFirst().map { names[$0] },
                unitsBefore: s.group.units, kept: s.kept, scores: s.scores.values, diagnostics: s.scores.diagnostics,
                parametersBefore: s.group.producers.reduce(0) { $0 + before.layers[$1].parameters },
                parametersAfter: s.group.producers.reduce(0) { $0 + after.layers[$1].parameters },
                flopsBefore: s.group.producers.reduce(0) { $0 + before.layers[$1].flops },
                flopsAfter: s.group.producers.reduce(0) { $0 + after.layers[$1].flops })
        }
        return NeuronPruningResult(model: rebuilt, layers: reports, costBefore: before, costAfter: after)
    }

    /// `⌊p · n⌋` after a relative tolerance of 1e-9 (as `NodeScores.keptMask`), at most `n`.
    public static func prunedCount(ratio: Double, units: Int) -> Int {
        min(units, Int((ratio * Double(units) * (1 + 1e-9)).rounded(.down)))
    }

    /// The position of the output layer: the last layer with neurons (the one giving the
    /// logits), or nil for a model without one.
    public static func outputPosition(of model: Network) -> Int? {
        model.layers.indices.last { units(at: $0, in: model) != nil }
    }

    /// The neurons of the layer at `position` (rows of its weight: Dense units, convolution
    /// filters), from its spec; nil for a layer without weights.
    public static func units(at position: Int, in model: Network) -> Int? {
        switch model.architecture.layers[position] {
        case .dense(let n), .sparseDense(let n, _), .conv2d(let n, _, _): n
        case .convolution(let c): c.filters
        case .maxPool, .averagePool, .globalAveragePooling, .relu, .srelu, .dropout, .batchNorm, .add, .flatten, .identity,
             .pooling, .clip, .channelAffine, .sigmoid, .silu, .multiply: nil
        }
    }

    static func validate(pruneRatio: Double, minimumWidth: Int) throws {
        guard pruneRatio >= 0 && pruneRatio < 1 else {
            throw NeuronPruningError.invalidOption("prune ratio \(pruneRatio) is outside [0, 1)")
        }
        guard minimumWidth >= 1 else {
            throw NeuronPruningError.invalidOption("minimum width \(minimumWidth) must be at least 1")
        }
    }

    /// The groups of the listed layers (each once, ordered by their first producer), after
    /// checking the positions: in range, distinct, layers with neurons, not the output layer,
    /// in a group that can be pruned.
    static func groups(for positions: [Int], in model: Network) throws -> [DependencyGroup] {
        guard !positions.isEmpty else { throw NeuronPruningError.invalidOption("no layers to prune were given") }
        let sorted = positions.sorted()
        let names = model.architecture.names
        for (a, b) in zip(sorted, sorted.dropFirst()) where a == b {
            throw NeuronPruningError.invalidOption("\(names[a]) is listed twice")
        }
        let output = outputPosition(of: model)
        let all = try DependencyGroup.groups(of: model.architecture)
        var chosen = [DependencyGroup]()
        for position in sorted {
            guard position >= 0 && position < model.layers.count else {
                throw NeuronPruningError.invalidOption("layers.\(position) does not exist: the model has \(model.layers.count) layers")
            }
            guard units(at: position, in: model) != nil else {
                throw NeuronPruningError.notPrunable(position: position, kind: "\(type(of: model.layers[position]))", name: names[position])
            }
            if position == output { throw NeuronPruningError.outputLayer(position: position, name: names[position]) }
            guard let group = all.first(where: { $0.producers.contains(position) }) else {
                throw NeuronPruningError.notPrunable(position: position, kind: "\(type(of: model.layers[position]))", name: names[position])
            }
            if let reason = group.blocked {
                throw NeuronPruningError.unsupportedGroup(position: position, name: names[position], reason: reason)
            }
            if !chosen.contains(group) { chosen.append(group) }
        }
        return chosen.sorted { $0.producers[0] < $1.producers[0] }
    }
}

/// What pruning did to one layer.
public struct NeuronPruningLayerReport: Equatable, Sendable {
    /// Position of the pruned layer (its group's first producer).
    public var position: Int
    /// Its node's name (`layers.{position}` in a chain).
    public var name: String
    /// The other producers of its group, pruned alike (empty for a layer of its own).
    public var coupled: [String]
    /// Neurons before pruning.
    public var unitsBefore: Int
    /// The kept neurons' indices in the original layer, ascending.
    public var kept: [Int]
    /// The scorer's score of every original neuron (higher = more important).
    public var scores: [Double]
    /// What the scorer reported about its computation.
    public var diagnostics: ScoreDiagnostics
    /// The group's producers' trainable parameters and forward FLOPs per sample (see
    /// `ModelCost`) before and after (their rows and, if an earlier group was pruned, their
    /// columns removed).
    public var parametersBefore: Int
    public var parametersAfter: Int
    public var flopsBefore: Int
    public var flopsAfter: Int

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
    case notPrunable(position: Int, kind: String, name: String)
    case outputLayer(position: Int, name: String)
    case collapse(position: Int, units: Int, pruned: Int, minimumWidth: Int, name: String)
    case unsupportedGroup(position: Int, name: String, reason: String)
    case scoreCount(name: String, scorer: String, expected: Int, got: Int)
    case scorerNeeded(position: Int)
    case invalidTarget(String)

    public var description: String {
        switch self {
        case let .invalidOption(message):
            return message
        case let .notPrunable(_, kind, name):
            return "\(name) is a \(kind): only Dense, SparseDense and convolution layers have neurons to prune"
        case let .outputLayer(_, name):
            return "\(name) is the output layer (the logits): it cannot be pruned"
        case let .collapse(_, units, pruned, minimumWidth, name):
            return "\(name): pruning \(pruned) of \(units) neurons leaves \(units - pruned), fewer than the minimum width \(minimumWidth)"
        case let .unsupportedGroup(_, name, reason):
            return "\(name) cannot be pruned: \(reason)"
        case let .scoreCount(name, scorer, expected, got):
            return "\(name): scorer '\(scorer)' returned \(got) scores for \(expected) neurons"
        case let .scorerNeeded(position):
            return "layers.\(position) is sparse or masked: its parameter count depends on which neurons are kept, so a scorer is needed"
        case let .invalidTarget(message):
            return message
        }
    }
}
