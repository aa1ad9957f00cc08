/// The edge-level counterpart of `ImportanceScorer`: one non-negative score per weight of every
/// layer, higher = more important. Layers are given together because network-wide scores need
/// them all; `layers[l]` is layer `l`'s weight matrix, **out × in**, and the result has the same
/// shapes. Scores that need the model itself (SynFlow) or training data (SNIP) conform to
/// `ModelEdgeScorer` instead; `EdgeScorerRegistry` makes both kinds by name.
public protocol EdgeScorer: Sendable {
    var name: String { get }
    func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>]
}

/// `|w|`, the magnitude score.
public struct MagnitudeEdgeScorer: EdgeScorer {
    public var name: String { "magnitude" }
    public init() {}
    public func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>] {
        layers.map { m in Matrix(rows: m.rows, columns: m.columns, elements: m.elements.map { abs($0) }) }
    }
}

/// Scores computed elsewhere (by a `ModelEdgeScorer`), handed to `NetworkSparsifier` through its
/// `scorer`: returns `scores` for layers of the same shapes and ignores the weights' values.
public struct GivenEdgeScores: EdgeScorer {
    public var name: String
    /// One matrix per layer, out × in, non-negative.
    public var scores: [Matrix<Double>]

    public init(_ scores: [Matrix<Double>], name: String = "given") {
        self.scores = scores
        self.name = name
    }

    /// - Throws: `NumericalError.invalidInput` when the layers' count or shapes differ from the
    ///   scores', or a score is negative or not finite.
    public func scores(layers: [Matrix<Double>]) throws -> [Matrix<Double>] {
        guard layers.count == scores.count else {
            throw NumericalError.invalidInput("\(name) scores: \(scores.count) layers of scores for \(layers.count) layers")
        }
        for (l, (w, s)) in zip(layers, scores).enumerated() {
            guard w.rows == s.rows && w.columns == s.columns else {
                throw NumericalError.invalidInput("\(name) scores: layer \(l) scores are \(s.rows)×\(s.columns), the weights \(w.rows)×\(w.columns)")
            }
            if let bad = s.elements.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw NumericalError.invalidInput("\(name) scores: layer \(l) entry (\(bad / s.columns), \(bad % s.columns)) = \(s.elements[bad]) is not a finite non-negative score")
            }
        }
        return scores
    }
}

/// The options of the model-based edge scorers (each reads the fields it needs).
public struct EdgeScorerOptions: Equatable, Sendable {
    /// SNIP: mini-batches of training data whose gradients are summed.
    public var snipBatches: Int = 1
    /// SNIP: samples per mini-batch (paper 004's "SNIP100" uses 100 samples).
    public var snipBatchSize: Int = 100
    /// SynFlow: pruning rounds (paper 004 and Tanaka et al. use 100).
    public var synflowIterations: Int = 100
    /// SynFlow: use `|b|` for the biases during scoring, as Tanaka et al.'s code does (it takes
    /// `abs` of every parameter); the default, false, zeroes them, so `R = 1ᵀ(Π|W|)1` as in the paper.
    public var synflowAbsoluteBiases: Bool = false

    public init() {}

    /// Checks the values a user can get wrong; the message names the option.
    public func validate() throws {
        guard snipBatches > 0 else { throw ScorerError.invalidOption("--snip-batches \(snipBatches) must be positive") }
        guard snipBatchSize > 0 else { throw ScorerError.invalidOption("--snip-batch-size \(snipBatchSize) must be positive") }
        guard synflowIterations > 0 else {
            throw ScorerError.invalidOption("--synflow-iterations \(synflowIterations) must be positive")
        }
    }
}

/// Edge scorers by name (same style as `ScorerRegistry`): weight-only scorers (`magnitude`),
/// usable by `NetworkSparsifier` directly, and model scorers (`snip`, `synflow`), which need the
/// model (`makeModelScorer`). Every weight-only scorer is also a model scorer (it is applied to
/// the model's weights).
public struct EdgeScorerRegistry: Sendable {
    public typealias Factory = @Sendable () -> any EdgeScorer
    public typealias ModelFactory = @Sendable (EdgeScorerOptions) -> any ModelEdgeScorer
    private var factories: [(name: String, make: Factory)]
    private var modelFactories: [(name: String, make: ModelFactory)] = []

    /// The weight-only scorers' names.
    public var names: [String] { factories.map(\.name) }
    /// Every name `makeModelScorer` accepts: the weight-only scorers, then the model scorers.
    public var modelScorerNames: [String] { names + modelFactories.map(\.name).filter { !names.contains($0) } }

    public static let standard = EdgeScorerRegistry(
        factories: [("magnitude", { MagnitudeEdgeScorer() })],
        modelFactories: [
            ("snip", { SNIPEdgeScorer(batches: $0.snipBatches, batchSize: $0.snipBatchSize) }),
            ("synflow", { SynFlowEdgeScorer(iterations: $0.synflowIterations, absoluteBiases: $0.synflowAbsoluteBiases) }),
        ])

    public func registering(_ name: String, make: @escaping Factory) -> EdgeScorerRegistry {
        var copy = self
        copy.factories.removeAll { $0.name == name }
        copy.modelFactories.removeAll { $0.name == name }
        copy.factories.append((name, make))
        return copy
    }

    public func registeringModelScorer(_ name: String, make: @escaping ModelFactory) -> EdgeScorerRegistry {
        var copy = self
        copy.factories.removeAll { $0.name == name }
        copy.modelFactories.removeAll { $0.name == name }
        copy.modelFactories.append((name, make))
        return copy
    }

    /// The weight-only scorer `name`. A model scorer's name throws, saying it needs the model.
    public func make(_ name: String) throws -> any EdgeScorer {
        guard let entry = factories.first(where: { $0.name == name }) else {
            if modelFactories.contains(where: { $0.name == name }) {
                throw ScorerError.invalidOption("edge score '\(name)' needs the model (and for snip training data), not only weight matrices; use it for model pruning")
            }
            throw ScorerError.unknownScorer(name, known: names)
        }
        return entry.make()
    }

    /// The model scorer `name` configured by `options` (validated first); a weight-only scorer is
    /// wrapped to read the model's weights.
    public func makeModelScorer(_ name: String, options: EdgeScorerOptions = EdgeScorerOptions()) throws -> any ModelEdgeScorer {
        try options.validate()
        if let entry = factories.first(where: { $0.name == name }) { return WeightEdgeScores(entry.make()) }
        guard let entry = modelFactories.first(where: { $0.name == name }) else {
            throw ScorerError.unknownScorer(name, known: modelScorerNames)
        }
        return entry.make(options)
    }
}
