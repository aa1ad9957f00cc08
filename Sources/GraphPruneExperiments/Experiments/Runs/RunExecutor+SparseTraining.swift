import GraphPruneIO
import GraphPrunePruning

/// The `set` and `censet` procedures (paper 003): Erdős–Rényi sparse hidden layers (ε), trained
/// `epochs` with rewiring after every epoch but the last; `static-sparse` trains the same
/// network without rewiring (the control).
extension SparseEvolution {
    /// The evolution a `set` or `censet` run's settings describe (`zeta`, `censet-k`,
    /// `centrality`, `censet-weights`, `censet-output-layer`, `regrow`, `reset-momentum`); the
    /// study runner and `graphprune train --sparse` both build it here. Random regrowth draws
    /// `N(0, 0.1²)`, as the SET reference's sparse version does.
    public init(settings: RunSettings) {
        let rule: SparseEvolution.Rule
        if settings.procedure == "set" {
            rule = .set(zeta: settings.number("zeta"))
        } else {
            rule = .censet(
                k: settings.number("censet-k"),
                centrality: settings.word("centrality") == "correct" ? .standard : .networkitLegacy,
                includeOutputLayer: settings.flag("censet-output-layer"),
                weighting: settings.word("censet-weights") == "signed" ? .signed : .absolute)
        }
        self.init(
            rule: rule, regrowth: settings.word("regrow") == "zero" ? .zero : .smallRandom(std: 0.1),
            resetOptimizerEachEpoch: settings.flag("reset-momentum"))
    }
}

extension RunExecutor {
    /// Trains the sparse network, rewiring it after every epoch but the last when `evolves`.
    mutating func runSparseTraining(_ settings: RunSettings, evolves: Bool, data: DataSplit, recorder: inout Recorder) throws {
        var model = try initialModel(settings, data: data, sparse: true)
        try recordInitialCentrality(model, settings: settings, recorder: &recorder)
        let recordCentrality = settings.flag("record-lc")
        let training = trainingSettings(settings, epochs: settings.integer("epochs"), phase: 0)
        if !evolves {
            try train(&model, data: data, settings: training, phase: "train", recorder: &recorder, recordCentrality: recordCentrality)
            recordFinal(&model, data: data, recorder: &recorder)
            return
        }
        let evolution = SparseEvolution(settings: settings)
        let history = try recorder.time("train") {
            try SparseEvolution.train(&model, data: data, settings: training, evolution: evolution,
                                      onEpoch: { onEpoch("train", training.epochs, $0.training) },
                                      afterTraining: { model, record in
                                          if recordCentrality { record.centrality = try CentralityDistribution.of(model) }
                                      })
        }
        recorder.phases.append(.init(name: "train", epochs: history))
        recordCentralitySummary(history, recorder: &recorder)
        let rewirings = history.compactMap(\.rewiring)
        recorder.metrics["rewired"] = Double(rewirings.map { $0.removed.reduce(0, +) }.reduce(0, +))
        if let last = rewirings.last?.centrality {
            recorder.metrics["lc_mean"] = last.mean
            recorder.metrics["lc_std"] = last.std
        }
        recordFinal(&model, data: data, recorder: &recorder)
    }
}
