import GraphPruneGraphs
import GraphPruneIO
import GraphPrunePruning

/// The `edge-prune` procedure (paper 004): train `epochs` (0 = prune at initialisation), prune
/// the weights to `density` in one shot, rewind to the initial weights (`rewind`), train
/// `finetune-epochs`.
extension RunExecutor {
    mutating func runEdgePruning(_ settings: RunSettings, data: DataSplit, recorder: inout Recorder) throws {
        let (initial, trained) = try pretrained(settings, data: data, recorder: &recorder)
        var model = trained
        let pruningAGivenModel = try givenModel(settings) != nil
        if settings.integer("epochs") > 0 || pruningAGivenModel {
            recorder.metrics["accuracy_before_pruning"] = model.evaluate(data.test).accuracy
        }
        recorder.metrics["parameters_before"] = Double(ModelCost(model).parameters)
        recorder.metrics["flops_before"] = Double(ModelCost(model).flops)
        var options = EdgeScorerOptions()
        if case .integer(let n)? = settings.values["snip-batches"] { options.snipBatches = n }
        options.snipBatchSize = settings.integer("batch")
        if case .integer(let n)? = settings.values["synflow-iterations"] { options.synflowIterations = n }
        // The random control's λ₂ diagnostics are computed on magnitudes.
        let score = settings.values["edge-scorer"].map(\.description) ?? "magnitude"
        var pruning = try EdgePruning(
            method: EdgePruning.Method(rawValue: settings.word("method"))!, density: settings.number("density"),
            scorer: score, options: options,
            keepOutputDense: !settings.flag("prune-output-layer"), rewind: settings.flag("rewind"),
            seed: UInt64(settings.seed))
        pruning.approximateResistances = settings.values["resistances"] == .word("approximate")
        if case .word(let distribution)? = settings.values["density-distribution"] {
            pruning.densityDistribution = DensityDistribution(rawValue: distribution)!
        }
        let result = try recorder.time("prune") { try pruning.prune(trained, initial: initial, data: data.train) }
        model = result.model
        for layer in result.layers {
            recorder.layers.append(.init(name: trained.architecture.names[layer.position], values: [
                "candidates": Double(layer.candidates), "kept": Double(layer.kept), "density": layer.density,
                "lambda2_before": layer.lambda2Before, "lambda2_after": layer.lambda2After,
                "collapsed_neurons": Double(layer.collapsedNeurons),
            ]))
        }
        let count = Double(max(1, result.layers.count))
        recorder.metrics["density"] = result.density
        recorder.metrics["lambda2_before"] = result.layers.map(\.lambda2Before).reduce(0, +) / count
        recorder.metrics["lambda2_after"] = result.layers.map(\.lambda2After).reduce(0, +) / count
        recorder.metrics["collapsed_neurons"] = Double(result.layers.map(\.collapsedNeurons).reduce(0, +))
        recorder.metrics["accuracy_after_pruning"] = model.evaluate(data.test).accuracy
        recorder.metrics["flops"] = Double(ModelCost(model).flops)
        let rate = settings.number("finetune-lr")
        try train(&model, data: data, settings: trainingSettings(settings, epochs: settings.integer("finetune-epochs"),
                                                             learningRate: rate > 0 ? rate : nil, phase: 2),
              phase: "finetune", recorder: &recorder)
        recordFinal(&model, data: data, recorder: &recorder)
    }
}
