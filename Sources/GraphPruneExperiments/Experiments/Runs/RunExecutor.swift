import Foundation
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// Runs one planned run of a study: loads its data (cached across the runs of a process),
/// builds its model, executes its procedure (see `StudyParameters`) and returns its result.
/// Every random choice comes from the run's seed.
public struct RunExecutor {
    /// Where the data files are (nil: the data set's default location).
    public var dataDirectory: String?
    /// Called after each epoch with the phase's name and epoch count (progress lines).
    public var onEpoch: (_ phase: String, _ epochs: Int, EpochRecord) -> Void = { _, _, _ in }
    private var dataCache: [String: DataSplit] = [:]
    var pretrainingCache: [String: PretrainedModel] = [:]
    var impCache: [String: ImpLine] = [:]
    let modelCache = ModelCache()

    struct PretrainedModel {
        var initial: Network
        var trained: Network
        var history: [RewiredEpochRecord]
    }

    public init(dataDirectory: String? = nil) { self.dataDirectory = dataDirectory }

    /// What a procedure accumulates while it runs.
    public struct Recorder {
        var phases: [RunResult.Phase] = []
        var metrics: [String: Double] = [:]
        var layers: [RunResult.LayerRecord] = []
        var timings: [String: Double] = [:]
        var model: RunResult.ModelSource?
        /// `measure-inference`: time the final model's inference (`InferenceTiming`).
        var measuresInference = false

        mutating func time<T>(_ key: String, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            defer { timings[key, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            return try body()
        }
    }

    /// Checks what can be checked without running (the architecture against the data set's
    /// shape, the layers to prune), so a study fails before its first run.
    /// Validates many runs, checking each distinct model-relevant combination once (the check
    /// builds a model, which costs milliseconds for a large network). Throws for the first bad run.
    public func validate(_ runs: [RunSettings]) throws {
        var seen = Set<String>()
        let keys = [
            "procedure", "dataset", "arch", "activation", "dropout", "sparse-epsilon", "layers", "source-classes", "target-classes",
            "model", "input-normalization", "rewind", "method", "edge-scorer",
        ]
        for settings in runs {
            let key = keys.map { settings.values[$0]?.canonical ?? "" }.joined(separator: "|")
            if seen.insert(key).inserted {
                do { try validate(settings) } catch {
                    throw StudyRunError("cell \(settings.nonDefault.map { "\($0.name)=\($0.value)" }.joined(separator: " ")): \(error)")
                }
            }
        }
    }

    /// Loads every data set the runs read once (from `dataDirectory`), so that missing or
    /// malformed data files stop a study before its first run with one message, instead of
    /// failing every run. The loaded sets are cached for this process's runs.
    /// - Throws: the data set's error (`DatasetMissingError` names the directory and the files).
    public mutating func requireData(_ runs: [RunSettings]) throws {
        var seen = Set<String>()
        for settings in runs where seen.insert(settings.word("dataset")).inserted && settings.word("dataset") != Dataset.synthetic.rawValue {
            _ = try data(settings)
        }
    }

    public func validate(_ settings: RunSettings) throws {
        let dataset = try Dataset(named: settings.word("dataset"))
        let (shape, classes) = try dataset.shape(directory: dataDirectory)
        let procedure = try StudyProcedures.named(settings.procedure)
        if let model = try givenModel(settings) {
            let expected = model.network.architecture.inputShape
            guard expected == [shape.channels, shape.height, shape.width] || (expected[0] == 1 && expected[1] == 1 && expected[2] == shape.size) else {
                throw StudyRunError("model: \(model.source.path) takes inputs of shape \(expected), the data set's are \(shape)")
            }
            if settings.procedure == "edge-prune" && settings.flag("rewind") {
                throw StudyRunError("rewind: a given model has no initial weights to rewind to; set rewind: false")
            }
            _ = try preprocessing(settings)
            if settings.procedure != "transfer-prune" { try StudyProcedures.requireOutputs(model.network.architecture, classes: classes) }
            return
        }
        let architecture = try sparseLayout(
            settings, inputShape: shape, sparse: procedure.sparseNetwork, convolutions: procedure.sparseConvolutions).architecture
        do {
            try trainingSettings(settings, epochs: settings.integer("epochs"), phase: 0).validate(layerCount: architecture.layers.count)
        } catch let error as TrainingError {
            throw StudyRunError(error.description)
        }
        try procedure.validate(settings, architecture: architecture, classes: classes)
    }

    public mutating func execute(_ run: PlannedRun) throws -> RunResult {
        let settings = run.settings
        let started = Date()
        var recorder = Recorder()
        recorder.measuresInference = settings.flag("measure-inference")
        let data = try self.data(settings)
        let start = DispatchTime.now().uptimeNanoseconds
        let procedure = try StudyProcedures.named(settings.procedure)
        try procedure.run(settings, data: data, executor: &self, recorder: &recorder)
        recorder.timings["seconds"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        recorder.metrics["seconds"] = recorder.timings["seconds"]
        if let t = recorder.timings["train"] { recorder.metrics["train_seconds"] = t }
        if let t = recorder.timings["prune"] { recorder.metrics["prune_seconds"] = t }
        // Per-epoch summaries describe the final model only: the phase that trained it last.
        let finalPhase = procedure.finetunes ? "finetune" : "train"
        if let last = recorder.phases.last(where: { $0.name == finalPhase })?.epochs, !last.isEmpty {
            let tail = last.suffix(10)
            recorder.metrics["mean_last_10"] = tail.map(\.testAccuracy).reduce(0, +) / Double(tail.count)
            recorder.metrics["best_test_accuracy"] = last.map(\.testAccuracy).max()
        }
        let iso = ISO8601DateFormatter()
        return RunResult(
            hash: run.hash, procedure: settings.procedure, settings: settings.values, canonical: settings.canonical,
            seed: settings.seed, metrics: recorder.metrics, layers: recorder.layers, phases: recorder.phases,
            timings: recorder.timings, model: try givenModel(settings)?.source, toolkitVersion: GraphPruneVersion.string, machine: .current(),
            started: iso.string(from: started), finished: iso.string(from: Date()))
    }

    /// The record of a run whose failure is its outcome (training diverged): its settings and
    /// the reason, no metrics.
    public func failureRecord(_ run: PlannedRun, reason: String, started: Date) -> RunResult {
        let iso = ISO8601DateFormatter()
        return RunResult(
            hash: run.hash, procedure: run.settings.procedure, settings: run.settings.values, canonical: run.settings.canonical,
            seed: run.settings.seed, metrics: [:], layers: [], phases: [], timings: [:], model: nil,
            toolkitVersion: GraphPruneVersion.string, machine: .current(), started: iso.string(from: started),
            finished: iso.string(from: Date()), failure: reason)
    }

    // MARK: Shared steps

    mutating func data(_ settings: RunSettings) throws -> DataSplit {
        let name = settings.word("dataset"), samples = settings.integer("train-samples")
        let preprocessing = try preprocessing(settings)
        // The synthetic set is drawn from the run's seed; the real ones do not depend on it.
        let key = "\(name)|\(samples)|\(name == "synthetic" ? settings.seed : 0)|\(preprocessing.metadataValue)"
        if let cached = dataCache[key] { return cached }
        let split = try Dataset(named: name).load(
            directory: dataDirectory, seed: UInt64(settings.seed), trainSamples: samples, preprocessing: preprocessing)
        dataCache[key] = split
        return split
    }

    func architecture(_ settings: RunSettings, inputShape: ImageShape, sparse: Bool) throws -> Architecture {
        try sparseLayout(settings, inputShape: inputShape, sparse: sparse, convolutions: false).architecture
    }

    /// The run's architecture with its sparse layers: with `sparse`, the hidden Dense layers of a
    /// chain are Erdős–Rényi sparse, and with `convolutions` every ungrouped convolution gets a
    /// density too (RigL's masks; a built-in network's only sparse layers). With `sparse-density`
    /// `d > 0` one `DensityDistribution` (`sparse-distribution`) spreads `d` over all of them
    /// together — a Dense layer as `[out, in]`, a convolution as `[F, C, kh, kw]` — and each
    /// Dense layer's ε is the one giving its density, `ε = d_l · n_in n_out / (n_in + n_out)`.
    /// Otherwise the Dense layers keep `sparse-epsilon` and a convolution gets ERK's density at
    /// the same ε, `min(1, ε (F + C + kh + kw) / (F · C · kh · kw))`.
    func sparseLayout(_ settings: RunSettings, inputShape: ImageShape, sparse: Bool, convolutions: Bool) throws
        -> (architecture: Architecture, convolutionDensities: [(position: Int, density: Double)])
    {
        let builtIn = BuiltInArchitecture(rawValue: settings.word("arch").trimmingCharacters(in: .whitespaces).lowercased()) != nil
        let architecture = try parsedArchitecture(settings, inputShape: inputShape, sparse: sparse && !(convolutions && builtIn))
        let convolutionPositions = convolutions ? RigL.convolutionPositions(of: architecture) : []
        let shapes = try architecture.shapes()
        let weightShape = { (p: Int) in EdgePruning.weightShape(architecture.layers[p], input: shapes[architecture.inputs[p][0]]) }
        let convolutionShapes = convolutionPositions.map(weightShape)
        guard sparse, case .number(let density)? = settings.values["sparse-density"], density > 0 else {
            guard !convolutionShapes.isEmpty else { return (architecture, []) }
            let epsilon = settings.number("sparse-epsilon")
            let densities = convolutionShapes.map { shape in
                min(1, epsilon * Double(shape.reduce(0, +)) / Double(shape.reduce(1, *)))
            }
            return (architecture, Array(zip(convolutionPositions, densities)).map { (position: $0, density: $1) })
        }
        let positions = architecture.layers.indices.filter { if case .sparseDense = architecture.layers[$0] { true } else { false } }
        let denseShapes = positions.map(weightShape)
        let allShapes = denseShapes + convolutionShapes
        let distribution = DensityDistribution(rawValue: settings.word("sparse-distribution"))!
        let densities: [Double]
        do { densities = try distribution.densities(shapes: allShapes, counts: allShapes.map { $0.reduce(1, *) }, density: density) } catch {
            throw StudyRunError("sparse-density: \(error)")
        }
        var layers = architecture.layers
        for (p, (shape, d)) in zip(positions, zip(denseShapes, densities)) {
            layers[p] = .sparseDense(outputs: shape[0], epsilon: d * Double(shape[0] * shape[1]) / Double(shape[0] + shape[1]))
        }
        let convolutionDensities = zip(convolutionPositions, densities.dropFirst(positions.count)).map { (position: $0, density: $1) }
        return (architecture.replacingLayers(layers), convolutionDensities)
    }

    private func parsedArchitecture(_ settings: RunSettings, inputShape: ImageShape, sparse: Bool) throws -> Architecture {
        do {
            return try Architecture.parse(
                settings.word("arch"), inputShape: [inputShape.channels, inputShape.height, inputShape.width],
                activation: Architecture.Activation(rawValue: settings.word("activation"))!,
                dropout: settings.number("dropout"), sparseEpsilon: sparse ? settings.number("sparse-epsilon") : nil,
                classes: try Dataset(named: settings.word("dataset")).shape(directory: dataDirectory).classes)
        } catch let error as ArchitectureError {
            throw StudyRunError("arch: \(error.description)")
        }
    }

    func initialModel(_ settings: RunSettings, data: DataSplit, sparse: Bool = false) throws -> Network {
        try initialModel(settings, data: data, architecture: try self.architecture(settings, inputShape: data.train.shape, sparse: sparse))
    }

    /// The run's initial weights of `architecture` (its seed and initializer).
    func initialModel(_ settings: RunSettings, data: DataSplit, architecture: Architecture) throws -> Network {
        guard architecture.sizes.last! >= data.train.classCount else {
            throw StudyRunError("arch: ends with \(architecture.sizes.last!) outputs but the data has \(data.train.classCount) classes")
        }
        let initializer: Initializer = settings.word("initializer") == "kaiming" ? .kaimingNormal : .glorotUniform
        return Network(architecture: architecture, initializer: initializer, seed: UInt64(settings.seed))
    }

    /// Training settings of a phase (`epochs`, learning rate) from the run's settings; each
    /// phase draws its shuffling and dropout from its own stream of the run's seed.
    func trainingSettings(_ settings: RunSettings, epochs: Int, learningRate: Double? = nil, phase: UInt64) -> TrainingSettings {
        var t = TrainingSettings(epochs: epochs)
        t.batchSize = settings.integer("batch")
        t.optimizer = TrainingSettings.OptimizerKind(rawValue: settings.word("optimizer"))!
        t.learningRate = learningRate ?? settings.number("lr")
        t.momentum = settings.number("momentum")
        t.nesterov = settings.flag("nesterov")
        t.weightDecay = settings.number("weight-decay")
        t.milestones = settings.integers("milestones")
        t.gamma = settings.number("gamma")
        t.augment = settings.flag("augment")
        t.seed = UInt64(settings.seed) &+ phase &* 0x9E37_79B9_7F4A_7C15
        return t
    }

    /// Trains one phase, recording its epochs, and with `recordCentrality` the network's
    /// Laplacian centrality after each (`CentralityDistribution`; the training is the same).
    func train(_ model: inout Network, data: DataSplit, settings: TrainingSettings, phase: String, recorder: inout Recorder,
               recordCentrality: Bool = false) throws {
        guard settings.epochs > 0 else { return }
        var centralities = [CentralityDistribution]()
        let records = try recorder.time("train") {
            try Trainer.fit(&model, data: data, settings: settings,
                            afterEpoch: { if recordCentrality { centralities.append(try CentralityDistribution.of($0)) } },
                            onEpoch: { onEpoch(phase, settings.epochs, $0) })
        }
        let history = records.indices.map { RewiredEpochRecord(records[$0], centrality: recordCentrality ? centralities[$0] : nil) }
        recorder.phases.append(.init(name: phase, epochs: history))
        recordCentralitySummary(history, recorder: &recorder)
    }

    /// The centrality before training (`net_lc_*_initial`), when the run records it.
    func recordInitialCentrality(_ model: Network, settings: RunSettings, recorder: inout Recorder) throws {
        guard settings.flag("record-lc") else { return }
        let initial = try CentralityDistribution.of(model)
        recorder.metrics["net_lc_mean_initial"] = initial.mean
        recorder.metrics["net_lc_std_initial"] = initial.std
    }

    /// The last recorded epoch's centrality as the run's `net_lc_mean` and `net_lc_std`.
    func recordCentralitySummary(_ history: [RewiredEpochRecord], recorder: inout Recorder) {
        guard let last = history.last?.centrality else { return }
        recorder.metrics["net_lc_mean"] = last.mean
        recorder.metrics["net_lc_std"] = last.std
    }

    /// Test metrics, model size and (`measure-inference`) inference speed of the final model.
    func recordFinal(_ model: inout Network, data: DataSplit, recorder: inout Recorder) {
        let test = model.evaluate(data.test)
        recorder.metrics["test_accuracy"] = test.accuracy
        recorder.metrics["test_loss"] = test.loss
        recorder.metrics["parameters"] = Double(ModelCost(model).parameters)
        recorder.metrics["connections"] = Double(model.connections)
        if recorder.measuresInference && data.test.count > 0 {
            let timing = recorder.time("inference") { InferenceTiming.measure(model, samples: data.test.features) }
            recorder.metrics["inference_ms"] = timing.latencyMilliseconds
            recorder.metrics["inference_samples_per_s"] = timing.samplesPerSecond
        }
    }

    // MARK: Procedures

    mutating func runTraining(_ settings: RunSettings, data: DataSplit, recorder: inout Recorder) throws {
        var model = try initialModel(settings, data: data)
        try recordInitialCentrality(model, settings: settings, recorder: &recorder)
        try train(&model, data: data, settings: trainingSettings(settings, epochs: settings.integer("epochs"), phase: 0),
              phase: "train", recorder: &recorder, recordCentrality: settings.flag("record-lc"))
        recordFinal(&model, data: data, recorder: &recorder)
    }
}
