import GraphPruneGraphs

/// The options of the model-based edge scorers (each reads the fields it needs).
public struct EdgeScorerOptions: Equatable, Sendable {
    /// SNIP: mini-batches of training data whose gradients are summed.
    public var snipBatches: Int = 1
    /// SNIP: samples per mini-batch (paper 004's "SNIP100" uses 100 samples).
    public var snipBatchSize: Int = 100
    /// GraSP: mini-batches (of `snipBatchSize` samples, SNIP's) whose gradients and
    /// Hessian–vector products are summed, and the softmax temperature (the reference code's 200).
    public var graspBatches: Int = 1
    public var graspTemperature: Double = 200
    /// SynFlow: pruning rounds (paper 004 and Tanaka et al. use 100).
    public var synflowIterations: Int = 100
    /// SynFlow: use `|b|` for the biases during scoring, as Tanaka et al.'s code does (it takes
    /// `abs` of every parameter); the default, false, zeroes them, so `R = 1ᵀ(Π|W|)1` as in the paper.
    public var synflowAbsoluteBiases: Bool = false

    public init() {}

    /// Checks the values a caller can get wrong.
    /// - Throws: `ScorerError.invalidOption` naming the property (`snipBatches`, …); a command
    ///   line or a study names its own option instead.
    public func validate() throws {
        guard snipBatches > 0 else { throw ScorerError.invalidOption("snipBatches \(snipBatches) must be positive") }
        guard snipBatchSize > 0 else { throw ScorerError.invalidOption("snipBatchSize \(snipBatchSize) must be positive") }
        guard graspBatches > 0 else { throw ScorerError.invalidOption("graspBatches \(graspBatches) must be positive") }
        guard graspTemperature > 0 && graspTemperature.isFinite else {
            throw ScorerError.invalidOption("graspTemperature \(graspTemperature) must be positive and finite")
        }
        guard synflowIterations > 0 else {
            throw ScorerError.invalidOption("synflowIterations \(synflowIterations) must be positive")
        }
    }
}

/// Edge scorers for models by name: every weight-only scorer of an `EdgeScorerRegistry`
/// (`magnitude`, applied to the model's weights) and the scorers that need the model or data
/// (`snip`, `grasp`, `synflow`).
public struct ModelEdgeScorerRegistry: Sendable {
    public typealias Factory = @Sendable (EdgeScorerOptions) -> any ModelEdgeScorer
    /// The weight-only scorers, offered first.
    public var weightScorers: EdgeScorerRegistry
    private var factories: [(name: String, make: Factory)]

    /// Every name `make` accepts: the weight-only scorers, then the model scorers.
    public var names: [String] { weightScorers.names + factories.map(\.name).filter { !weightScorers.contains($0) } }

    public static let standard = ModelEdgeScorerRegistry(
        weightScorers: .standard,
        factories: [
            ("snip", { SNIPEdgeScorer(batches: $0.snipBatches, batchSize: $0.snipBatchSize) }),
            ("grasp", { GraSPEdgeScorer(batches: $0.graspBatches, batchSize: $0.snipBatchSize, temperature: $0.graspTemperature) }),
            ("synflow", { SynFlowEdgeScorer(iterations: $0.synflowIterations, absoluteBiases: $0.synflowAbsoluteBiases) }),
        ])

    /// Whether `name` needs the model or data (it is not a weight-only scorer).
    public func needsModel(_ name: String) -> Bool {
        !weightScorers.contains(name) && factories.contains { $0.name == name }
    }

    /// The scorer `name` configured by `options` (validated first); a weight-only scorer is
    /// wrapped to read the model's weights.
    /// - Throws: `ScorerError` for invalid options or an unknown name (listing the known ones).
    public func make(_ name: String, options: EdgeScorerOptions = EdgeScorerOptions()) throws -> any ModelEdgeScorer {
        try options.validate()
        if weightScorers.contains(name) { return WeightEdgeScores(try weightScorers.make(name)) }
        guard let entry = factories.first(where: { $0.name == name }) else {
            throw ScorerError.unknownScorer(name, known: names)
        }
        return entry.make(options)
    }
}
