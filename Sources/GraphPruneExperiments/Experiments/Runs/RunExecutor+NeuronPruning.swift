import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// The `neuron-prune` and `transfer-prune` procedures (paper 002).
extension RunExecutor {
    mutating func runNeuronPruning(_ settings: RunSettings, transfer: Bool, data: DataSplit, recorder: inout Recorder) throws {
        var target = data
        var model: Network
        var frozen = [Int]()
        if transfer {
            let source = settings.integers("source-classes"), targetClasses = settings.integers("target-classes")
            for c in source + targetClasses where c < 0 || c >= data.train.classCount {
                throw StudyRunError("class \(c) is outside the data set's classes 0…\(data.train.classCount - 1)")
            }
            guard Set(source).count == source.count, Set(targetClasses).count == targetClasses.count, !source.isEmpty, !targetClasses.isEmpty else {
                throw StudyRunError("source-classes and target-classes must be non-empty lists without repeats")
            }
            let sourceData = DataSplit(train: data.train.restricted(toClasses: source), test: data.test.restricted(toClasses: source))
            var trained = try pretrained(settings, data: sourceData, recorder: &recorder).trained
            if try givenModel(settings) == nil { recorder.metrics["source_accuracy"] = trained.evaluate(sourceData.test).accuracy }
            let initializer: Initializer = settings.word("initializer") == "kaiming" ? .kaimingNormal : .glorotUniform
            model = try ModelSurgery.replacingHead(
                of: trained, classes: targetClasses.count, hidden: settings.integers("head-units"),
                dropout: settings.number("head-dropout"), initializer: initializer, seed: UInt64(settings.seed) &+ 0x4845_4144)  // "HEAD"
            var targetTrain = data.train.restricted(toClasses: targetClasses)
            let shots = settings.integer("shots")
            if shots > 0 { targetTrain = targetTrain.fewShot(perClass: shots, seed: UInt64(settings.seed)) }
            target = DataSplit(train: targetTrain, test: data.test.restricted(toClasses: targetClasses))
            let positions = try LayerSelection.positions(settings.word("layers"), in: model)
            if settings.flag("freeze-backbone") { frozen = Array(0..<positions[0]) }
            var adapt = trainingSettings(settings, epochs: settings.integer("adapt-epochs"), phase: 1)
            adapt.frozenLayers = frozen
            try train(&model, data: target, settings: adapt, phase: "adapt", recorder: &recorder)
        } else {
            model = try pretrained(settings, data: data, recorder: &recorder).trained
        }
        let positions = try LayerSelection.positions(settings.word("layers"), in: model)
        let before = model.evaluate(target.test)
        recorder.metrics["accuracy_before_pruning"] = before.accuracy
        let costBefore = ModelCost(model)
        recorder.metrics["parameters_before"] = Double(costBefore.parameters)
        recorder.metrics["flops_before"] = Double(costBefore.flops)

        let scorerName = settings.word("scorer")
        var ratio = settings.values["ratio"]?.doubleValue ?? 0
        if scorerName != "none" {
            var options = ScorerOptions()
            options.tau = settings.values["tau"]?.doubleValue ?? options.tau
            options.seed = UInt64(settings.seed)
            if case .word(let variant)? = settings.values["laplacian-variant"] {
                options.laplacianVariant = LaplacianCentrality.Variant(rawValue: variant)!
            }
            let scorer = try NeuronScorerRegistry.standard.make(
                scorerName, options: options, sampling: DataSampling(batches: 10, batchSize: settings.integer("batch"), seed: UInt64(settings.seed)))
            let minimumWidth = settings.integer("min-width")
            let matchDensity = settings.number("match-density")
            if matchDensity > 0 {
                let targetParameters = Self.edgeBudget(model, layers: positions, density: matchDensity)
                let match = try NeuronPruning.matchParameterBudget(
                    model, layers: positions, targetParameters: targetParameters, scorer: scorer.weightScorer,
                    minimumWidth: minimumWidth)
                ratio = match.pruneRatio
                recorder.metrics["target_parameters"] = Double(targetParameters)
            }
            if ratio > 0 {
                let result = try recorder.time("prune") {
                    var pruning = NeuronPruning(scorer: scorer, pruneRatio: ratio, minimumWidth: minimumWidth)
                    if case .word(let scope)? = settings.values["neuron-scope"] { pruning.scope = NeuronScope(rawValue: scope)! }
                    if case .word(let normalization)? = settings.values["score-normalization"] {
                        pruning.normalization = ScoreNormalization(rawValue: normalization)!
                    }
                    return try pruning.prune(model, layers: positions, data: target.train)
                }
                model = result.model
                let edges = result.layers.compactMap(\.diagnostics.edges)
                if !edges.isEmpty { recorder.metrics["graph_edges"] = Double(edges.reduce(0, +)) }
                for layer in result.layers {
                    var values = ["units_before": Double(layer.unitsBefore), "units_after": Double(layer.unitsAfter)]
                    values["graph_edges"] = layer.diagnostics.edges.map(Double.init)
                    values["graph_components"] = layer.diagnostics.components.map(Double.init)
                    recorder.layers.append(.init(name: layer.name, values: values))
                }
            }
        }
        recorder.metrics["pruning_ratio"] = scorerName == "none" ? 0 : ratio
        recorder.metrics["accuracy_after_pruning"] = model.evaluate(target.test).accuracy
        recorder.metrics["flops"] = Double(ModelCost(model).flops)
        let rate = settings.number("finetune-lr")
        var finetune = trainingSettings(settings, epochs: settings.integer("finetune-epochs"), learningRate: rate > 0 ? rate : nil, phase: 2)
        finetune.frozenLayers = frozen
        try train(&model, data: target, settings: finetune, phase: "finetune", recorder: &recorder)
        recordFinal(&model, data: target, recorder: &recorder)
    }

    /// The parameters `model` keeps when the weights of `layers` are pruned to `density` (each
    /// layer `round(q · weights)`, as edge pruning does) and everything else stays: the budget a
    /// neuron-pruned model is matched to.
    static func edgeBudget(_ model: Network, layers: [Int], density: Double) -> Int {
        var total = ModelCost(model).parameters
        for p in layers {
            guard let connections = model.layers[p].connections else { continue }
            let weights = model.layers[p].maskedConnections ?? connections.weight.elements.count
            total -= weights - Int((density * Double(weights)).rounded())
        }
        return total
    }
}
