import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// What a study run does, as a type: its name (the `procedure` setting), what kind of network
/// and phases it has, the checks it adds before any run starts, and how it runs. The registry
/// (`StudyProcedures`) replaces switches over the name; a new procedure is one conforming type
/// and one entry there, and the settings catalogue (`StudyParameters`) names the procedures
/// that read each setting through the registry's properties.
public protocol StudyProcedure: Sendable {
    /// The `procedure` setting's value.
    var name: String { get }
    /// Whether its network's hidden Dense layers are Erdős–Rényi sparse (`sparse-epsilon`).
    var sparseNetwork: Bool { get }
    /// Whether its convolutions are sparse too (masked at ERK densities, `RunExecutor.sparseLayout`).
    var sparseConvolutions: Bool { get }
    /// Whether it prunes neurons (reads `layers`, `ratio`, `scorer`, …).
    var prunesNeurons: Bool { get }
    /// Whether it rewires a sparse network between epochs (SET, CenSET).
    var evolves: Bool { get }
    /// Whether training continues after pruning: its final metrics are the `finetune` phase's.
    var finetunes: Bool { get }
    /// Checks the run's settings against its architecture and data set (before any run starts).
    /// - Throws: `StudyRunError` naming the setting.
    func validate(_ settings: RunSettings, architecture: Architecture, classes: Int) throws
    /// Runs it, recording metrics, phases and layers.
    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws
}

extension StudyProcedure {
    public var sparseNetwork: Bool { false }
    public var sparseConvolutions: Bool { false }
    public var prunesNeurons: Bool { false }
    public var evolves: Bool { false }
    public var finetunes: Bool { false }

    /// Checks that the network has an output per class.
    public func validate(_ settings: RunSettings, architecture: Architecture, classes: Int) throws {
        try StudyProcedures.requireOutputs(architecture, classes: classes)
    }
}

/// The procedures by name.
public enum StudyProcedures {
    public static let all: [any StudyProcedure] = [
        Training(), NeuronPruningProcedure(transfer: false), NeuronPruningProcedure(transfer: true), EdgePruningProcedure(),
        SparseTrainingProcedure(kind: .set), SparseTrainingProcedure(kind: .censet), SparseTrainingProcedure(kind: .staticSparse),
        GradualPruningProcedure(), RigLProcedure(), IterativePruningProcedure(),
    ]

    public static var names: [String] { all.map(\.name) }

    /// The names of the procedures with a property (for the settings catalogue).
    static func names(where property: (any StudyProcedure) -> Bool) -> Set<String> { Set(all.filter(property).map(\.name)) }

    /// The procedure called `name`.
    /// - Throws: `StudyRunError` listing the known names.
    public static func named(_ name: String) throws -> any StudyProcedure {
        guard let procedure = all.first(where: { $0.name == name }) else {
            throw StudyRunError("procedure: unknown '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return procedure
    }

    /// Throws unless `architecture` has at least one output per class of the data set.
    static func requireOutputs(_ architecture: Architecture, classes: Int) throws {
        guard architecture.sizes.last! >= classes else {
            throw StudyRunError("arch: ends with \(architecture.sizes.last!) outputs but the data set has \(classes) classes")
        }
    }
}

/// `train`: the dense baseline — train `epochs`.
struct Training: StudyProcedure {
    var name: String { "train" }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runTraining(settings, data: data, recorder: &recorder)
    }
}

/// `neuron-prune`: train, prune `ratio` of the neurons of `layers` by `scorer` (paper 002),
/// rebuild, fine-tune; `transfer-prune`: pre-train on `source-classes`, attach a new head for
/// `target-classes`, then the same.
struct NeuronPruningProcedure: StudyProcedure {
    let transfer: Bool
    var name: String { transfer ? "transfer-prune" : "neuron-prune" }
    var prunesNeurons: Bool { true }
    var finetunes: Bool { true }

    func validate(_ settings: RunSettings, architecture: Architecture, classes: Int) throws {
        if transfer {
            for name in ["source-classes", "target-classes"] {
                let list = settings.integers(name)
                guard !list.isEmpty, Set(list).count == list.count, list.allSatisfy({ $0 >= 0 && $0 < classes }) else {
                    throw StudyRunError("\(name): \(list) must be distinct classes of 0…\(classes - 1)")
                }
            }
        } else {
            try StudyProcedures.requireOutputs(architecture, classes: classes)
        }
        if case .word("global")? = settings.values["neuron-scope"], case .number(let q)? = settings.values["match-density"], q > 0 {
            throw StudyRunError("match-density: parameter budgets are matched for layerwise pruning; use neuron-scope: layer")
        }
        // The layer names only depend on the architecture (and the transfer's new head): a
        // model of it, drawn at seed 0.
        var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 0)
        if transfer {
            do {
                model = try ModelSurgery.replacingHead(
                    of: model, classes: settings.integers("target-classes").count, hidden: settings.integers("head-units"),
                    dropout: settings.number("head-dropout"), initializer: .glorotUniform, seed: 0)
            } catch { throw StudyRunError("head-units: \(error)") }
        }
        let positions = try LayerSelection.positions(settings.word("layers"), in: model)
        // Refused before any run: a pruned layer left narrower than min-width (at the run's
        // ratio; with match-density the ratio is computed later, so only the layer's width).
        if case .integer(let minimumWidth)? = settings.values["min-width"], settings.word("scorer") != "none" {
            let ratio = settings.number("match-density") > 0 ? 0 : settings.values["ratio"]?.doubleValue ?? 0
            for p in positions {
                guard let units = NeuronPruning.units(at: p, in: model) else { continue }
                let kept = units - NeuronPruning.prunedCount(ratio: ratio, units: units)
                guard kept >= minimumWidth else {
                    throw StudyRunError("min-width: \(architecture.names[p]) keeps \(kept) of its \(units) neurons at ratio \(ratio), fewer than min-width \(minimumWidth)")
                }
            }
        }
        if transfer && settings.flag("freeze-backbone") && positions[0] == 0 {
            throw StudyRunError("freeze-backbone: the pruned layers start at the first layer, so no layer before them is left to freeze; prune later layers (last-hidden) or set freeze-backbone: false")
        }
    }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runNeuronPruning(settings, transfer: transfer, data: data, recorder: &recorder)
    }
}

/// `edge-prune`: train `epochs` (0 = at initialisation), prune the edges to `density` by
/// `method` with `edge-scorer` (paper 004), rewind, train `finetune-epochs`.
struct EdgePruningProcedure: StudyProcedure {
    var name: String { "edge-prune" }
    var finetunes: Bool { true }

    /// Also: a signed edge score (GraSP) only with a ranking method.
    func validate(_ settings: RunSettings, architecture: Architecture, classes: Int) throws {
        try StudyProcedures.requireOutputs(architecture, classes: classes)
        guard case .word(let score)? = settings.values["edge-scorer"], (try? ModelEdgeScorerRegistry.standard.make(score))?.signed == true else { return }
        if ["spectral", "global-spectral"].contains(settings.word("method")) {
            throw StudyRunError("edge-scorer: \(score) scores are signed; method \(settings.word("method")) samples by non-negative scores: use greedy or global")
        }
        if score == "grasp" {
            do { try GraSPEdgeScorer.requireSupported(architecture) } catch { throw StudyRunError("edge-scorer: \(error)") }
        }
    }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runEdgePruning(settings, data: data, recorder: &recorder)
    }
}

/// `set`, `censet`: sparse evolutionary training (paper 003); `static-sparse`: the same sparse
/// network without rewiring (the control).
struct SparseTrainingProcedure: StudyProcedure {
    enum Kind { case set, censet, staticSparse }
    let kind: Kind
    var name: String {
        switch kind {
        case .set: "set"
        case .censet: "censet"
        case .staticSparse: "static-sparse"
        }
    }
    var sparseNetwork: Bool { true }
    var evolves: Bool { kind != .staticSparse }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runSparseTraining(settings, evolves: evolves, data: data, recorder: &recorder)
    }
}
