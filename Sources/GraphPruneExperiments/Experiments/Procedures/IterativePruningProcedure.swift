import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// `imp`: iterative magnitude pruning with rewinding, the lottery ticket (OpenLTH's `lottery`).
/// A run reports level `imp-level` of the line — level 0 is the dense network trained `epochs`;
/// each level removes `pruning-fraction` of the remaining weights (one global magnitude
/// threshold; the output layer too unless `prune-output-layer` is false), rewinds to the
/// weights after `rewind-epoch` epochs and retrains `epochs − rewind-epoch` epochs. With
/// `imp-control` the run trains the level's control instead: `reinit` (its masks on a fresh
/// initialisation) or `random-mask` (random masks with its per-layer counts on the rewind
/// point). The line's levels are computed once per process and shared by the runs that need
/// them (a study's levels axis costs one line, not one per level).
struct IterativePruningProcedure: StudyProcedure {
    var name: String { "imp" }

    func validate(_ settings: RunSettings, architecture: Architecture, classes: Int) throws {
        try StudyProcedures.requireOutputs(architecture, classes: classes)
        guard settings.integer("rewind-epoch") <= settings.integer("epochs") else {
            throw StudyRunError("rewind-epoch \(settings.integer("rewind-epoch")) is after the last epoch \(settings.integer("epochs"))")
        }
        if settings.integer("imp-level") == 0 && settings.word("imp-control") != "none" {
            throw StudyRunError("imp-control \(settings.word("imp-control")): level 0 is the dense network, it has no control")
        }
    }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runIterativePruning(settings, data: data, recorder: &recorder)
    }
}

extension RunExecutor {
    /// The settings that determine a line (everything but the level and the control).
    static let lineKeys = [
        "dataset", "train-samples", "arch", "activation", "dropout", "initializer", "epochs", "batch", "optimizer", "lr",
        "momentum", "nesterov", "weight-decay", "milestones", "gamma", "augment", "pruning-fraction", "rewind-epoch",
        "prune-output-layer",
    ]

    mutating func runIterativePruning(_ settings: RunSettings, data: DataSplit, recorder: inout Recorder) throws {
        let key = Self.lineKeys.compactMap { name in settings.values[name].map { "\(name)=\($0.canonical)" } }.joined(separator: "|")
            + "|seed=\(settings.seed)"
        let imp = IterativeMagnitudePruning(
            pruningFraction: settings.number("pruning-fraction"), rewindEpochs: settings.integer("rewind-epoch"),
            keepOutputDense: !settings.flag("prune-output-layer"))
        let epochs = settings.integer("epochs")
        let retraining = trainingSettings(settings, epochs: epochs - imp.rewindEpochs, phase: 1)
        var line = impCache[key]
        if line == nil {
            let start = try recorder.time("train") {
                try imp.start(try initialModel(settings, data: data), data: data, settings: trainingSettings(settings, epochs: epochs, phase: 0))
            }
            line = ImpLine(rewind: start.rewind, levels: [start.level])
        }
        let level = settings.integer("imp-level")
        while line!.levels.count <= level {
            let next = try recorder.time("train") {
                try imp.next(after: line!.levels.last!, rewind: line!.rewind, data: data, retraining: retraining)
            }
            line!.levels.append(next)
        }
        impCache[key] = line
        let reached = line!.levels[level]
        var model = reached.trained
        var history = reached.history
        switch IterativeMagnitudePruning.Control(rawValue: settings.word("imp-control"))! {
        case .none: break
        case .reinitialized:
            let fresh = Network(
                architecture: try initialModel(settings, data: data).architecture,
                initializer: settings.word("initializer") == "kaiming" ? .kaimingNormal : .glorotUniform,
                seed: UInt64(settings.seed) &+ 0x5245_494E)  // "REIN"
            model = try IterativeMagnitudePruning.applying(reached.pruning!, to: fresh)
            history = try recorder.time("train") { try Trainer.fit(&model, data: data, settings: retraining) }
        case .randomMask:
            model = try IterativeMagnitudePruning.randomMasks(like: reached.pruning!, on: line!.rewind, seed: UInt64(settings.seed) &+ 0x5241_4E44)  // "RAND"
            history = try recorder.time("train") { try Trainer.fit(&model, data: data, settings: retraining) }
        }
        recorder.phases.append(.init(name: level == 0 ? "train" : "retrain", epochs: history.map { RewiredEpochRecord($0) }))
        if let pruning = reached.pruning {
            for layer in pruning.layers {
                recorder.layers.append(.init(name: model.architecture.names[layer.position], values: [
                    "candidates": Double(layer.candidates), "kept": Double(layer.kept),
                    "lambda2_before": layer.lambda2Before, "lambda2_after": layer.lambda2After,
                ]))
            }
        }
        // The controls keep the level's per-layer counts, so its density too.
        recorder.metrics["density"] = reached.density
        recordFinal(&model, data: data, recorder: &recorder)
    }
}

/// A lottery-ticket line: the rewind point and the levels computed so far.
struct ImpLine {
    var rewind: Network
    var levels: [IterativeMagnitudePruning.Level]
}
