import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// `gmp`: gradual magnitude pruning (Zhu & Gupta 2017) — train `epochs`, pruning every
/// `gmp-frequency` steps from the `gmp-start` to the `gmp-end` fraction of the training steps on
/// the cubic schedule to `density` (layerwise or by one global threshold, `gmp-scope`); the
/// output layer too unless `prune-output-layer` is false. The steps after `gmp-end` train the
/// final sparse network.
struct GradualPruningProcedure: StudyProcedure {
    var name: String { "gmp" }

    func validate(_ settings: RunSettings, architecture: Architecture, classes: Int) throws {
        try StudyProcedures.requireOutputs(architecture, classes: classes)
        guard settings.number("gmp-start") < settings.number("gmp-end") else {
            throw StudyRunError("gmp-start \(settings.number("gmp-start")) must come before gmp-end \(settings.number("gmp-end"))")
        }
    }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runGradualPruning(settings, data: data, recorder: &recorder)
    }
}

extension RunExecutor {
    mutating func runGradualPruning(_ settings: RunSettings, data: DataSplit, recorder: inout Recorder) throws {
        var model = try initialModel(settings, data: data)
        let training = trainingSettings(settings, epochs: settings.integer("epochs"), phase: 0)
        var positions = EdgeLayers.positions(in: model)
        if !settings.flag("prune-output-layer") { positions.removeLast(min(1, positions.count)) }
        let session = try TrainingSession(for: model, data: data, settings: training)
        let steps = training.epochs * session.stepsPerEpoch
        let schedule = GradualMagnitudePruning(
            finalSparsity: 1 - settings.number("density"),
            startStep: Int((settings.number("gmp-start") * Double(steps)).rounded()),
            endStep: Int((settings.number("gmp-end") * Double(steps)).rounded()),
            frequency: settings.integer("gmp-frequency"),
            scope: GradualMagnitudePruning.Scope(rawValue: settings.word("gmp-scope"))!)
        let candidates = positions.map { model.layers[$0].connections!.weight.elements.count }
        let history = try recorder.time("train") {
            try schedule.train(&model, data: data, settings: training, positions: positions, onEpoch: { onEpoch("train", training.epochs, $0) })
        }
        recorder.phases.append(.init(name: "train", epochs: history.map { RewiredEpochRecord($0) }))
        let kept = zip(positions, candidates).map { p, all in model.layers[p].maskedConnections ?? all }
        for (k, p) in positions.enumerated() {
            recorder.layers.append(.init(name: model.architecture.names[p], values: [
                "candidates": Double(candidates[k]), "kept": Double(kept[k]), "density": Double(kept[k]) / Double(candidates[k]),
            ]))
        }
        recorder.metrics["density"] = Double(kept.reduce(0, +)) / Double(candidates.reduce(0, +))
        recorder.metrics["flops"] = Double(ModelCost(model).flops)
        recordFinal(&model, data: data, recorder: &recorder)
    }
}

/// `rigl`: RigL (Evci et al. 2020) on the Erdős–Rényi sparse network (`sparse-epsilon`, or
/// `sparse-density` spread by `sparse-distribution`), its convolutions masked at ERK densities
/// too (`RunExecutor.sparseLayout`; a built-in network's convolutions are its only sparse
/// layers) — train `epochs`, every `rigl-frequency` steps until the `rigl-end` fraction of the
/// steps dropping the cosine-decayed fraction (from `rigl-drop-fraction`) of each sparse layer's
/// smallest weights and growing as many where the gradient is largest.
struct RigLProcedure: StudyProcedure {
    var name: String { "rigl" }
    var sparseNetwork: Bool { true }
    var sparseConvolutions: Bool { true }

    func run(_ settings: RunSettings, data: DataSplit, executor: inout RunExecutor, recorder: inout RunExecutor.Recorder) throws {
        try executor.runRigL(settings, data: data, recorder: &recorder)
    }
}

extension RunExecutor {
    mutating func runRigL(_ settings: RunSettings, data: DataSplit, recorder: inout Recorder) throws {
        let layout = try sparseLayout(settings, inputShape: data.train.shape, sparse: true, convolutions: true)
        var model = try initialModel(settings, data: data, architecture: layout.architecture)
        try RigL.sparsifyConvolutions(&model, densities: layout.convolutionDensities, seed: UInt64(settings.seed) &+ 0x5249_474C)  // "RIGL"
        let training = trainingSettings(settings, epochs: settings.integer("epochs"), phase: 0)
        let steps = training.epochs * (try TrainingSession(for: model, data: data, settings: training)).stepsPerEpoch
        let rigl = RigL(
            dropFraction: settings.number("rigl-drop-fraction"), frequency: settings.integer("rigl-frequency"),
            endStep: Int((settings.number("rigl-end") * Double(steps)).rounded()))
        let history = try recorder.time("train") {
            try rigl.train(&model, data: data, settings: training, onEpoch: { onEpoch("train", training.epochs, $0) })
        }
        recorder.phases.append(.init(name: "train", epochs: history.map { RewiredEpochRecord($0) }))
        recordFinal(&model, data: data, recorder: &recorder)
    }
}
