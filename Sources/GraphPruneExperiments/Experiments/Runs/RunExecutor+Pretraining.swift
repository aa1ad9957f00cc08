import GraphPruneIO
import GraphPruneNetwork

/// Pre-training shared between runs: the cells of a study that differ only after pre-training
/// (scorer, ratio, density, method) start from the same trained model, computed once per
/// process. Training is deterministic, so a cached model is bit-identical to a retrained one.
extension RunExecutor {
    /// Settings that determine the pre-trained model (and the seed).
    static let pretrainingKeys = [
        "procedure", "dataset", "train-samples", "arch", "activation", "dropout", "initializer", "epochs", "batch",
        "optimizer", "lr", "momentum", "nesterov", "weight-decay", "milestones", "gamma", "augment", "source-classes",
    ]

    func pretrainingKey(_ settings: RunSettings) -> String {
        var key = Self.pretrainingKeys.compactMap { name in settings.values[name].map { "\(name)=\($0.canonical)" } }
        // Neuron and edge pruning pre-train alike; transfer pre-trains on its source classes.
        key[0] = settings.procedure == "transfer-prune" ? "transfer" : "plain"
        return key.joined(separator: "|") + "|seed=\(settings.seed)"
    }

    /// The initial model and the model after `epochs` of training on `data`, from the cache
    /// when an earlier run of this process computed them; a study's own `model` is both (no
    /// training; `validate` refuses rewinding to it).
    mutating func pretrained(_ settings: RunSettings, data: DataSplit, recorder: inout Recorder) throws
        -> (initial: Network, trained: Network)
    {
        if let given = try givenModel(settings) { return (given.network, given.network) }
        let key = pretrainingKey(settings)
        if let cached = pretrainingCache[key] {
            recorder.phases.append(.init(name: "train", epochs: cached.history))
            return (cached.initial, cached.trained)
        }
        let initial = try initialModel(settings, data: data)
        var model = initial
        let before = recorder.phases.count
        try train(&model, data: data, settings: trainingSettings(settings, epochs: settings.integer("epochs"), phase: 0),
              phase: "train", recorder: &recorder)
        let history = recorder.phases.count > before ? recorder.phases.last!.epochs : []
        pretrainingCache[key] = .init(initial: initial, trained: model, history: history)
        return (initial, model)
    }
}
