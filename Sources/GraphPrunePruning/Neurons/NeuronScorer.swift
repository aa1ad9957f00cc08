import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// What structured pruning asks a scorer: one score per channel of every listed dependency
/// group (higher = more important). A scorer sees the whole model, the groups, and — when it
/// needs them — the training data, so that a data-aware scorer runs its forward and backward
/// passes once for all groups.
///
/// Two kinds, each one small type and one registry entry (`NeuronScorerRegistry`):
/// - **weight-only** scorers are `ImportanceScorer`s of the graphs layer (eigenvector,
///   Laplacian, degree, magnitude, random), seeing a group as its rows (`GroupScoring`), through
///   `WeightNeuronScores`;
/// - **data-aware** scorers conform here directly (`ActivationNeuronScorer`: first-order Taylor,
///   mean activation, share of nonzero activations).
public protocol NeuronScorer: Sendable {
    /// The name the CLI and study files give it.
    var name: String { get }
    /// Whether `scores` needs training data.
    var needsData: Bool { get }
    /// One `NodeScores` per group of `groups`, in order, each with `group.units` values.
    func scores(of groups: [DependencyGroup], in model: Network, data: LabeledData?) throws -> [NodeScores]
    /// The weight-only scorer behind it, for code that ranks one layer's rows on their own
    /// (parameter-budget matching of sparse layers), or nil for a data-aware scorer.
    var weightScorer: (any ImportanceScorer)? { get }
}

extension NeuronScorer {
    public var weightScorer: (any ImportanceScorer)? { nil }
}

/// A weight-only `ImportanceScorer` on each group's rows, combined per channel by
/// `groupScoring` (see `GroupScoring`).
public struct WeightNeuronScores: NeuronScorer {
    public var scorer: any ImportanceScorer
    public var groupScoring: GroupScoring
    public var name: String { scorer.name }
    public var needsData: Bool { false }
    public var weightScorer: (any ImportanceScorer)? { scorer }

    public init(_ scorer: any ImportanceScorer, groupScoring: GroupScoring = .concatenated) {
        (self.scorer, self.groupScoring) = (scorer, groupScoring)
    }

    public func scores(of groups: [DependencyGroup], in model: Network, data: LabeledData?) throws -> [NodeScores] {
        try groups.map { try groupScoring.scores(of: $0, in: model, with: scorer) }
    }
}

/// How data-aware scorers sample the training data: `batches` mini-batches of `batchSize`
/// samples, the first ones of a `BatchIterator` shuffled by `seed` (as SNIP samples).
public struct DataSampling: Equatable, Sendable {
    public var batches: Int
    public var batchSize: Int
    public var seed: UInt64

    public init(batches: Int = 10, batchSize: Int = 100, seed: UInt64 = 0) {
        (self.batches, self.batchSize, self.seed) = (batches, batchSize, seed)
    }
}

/// Neuron scorers by name: the weight-only ones of `ScorerRegistry.standard` (configured by
/// `ScorerOptions`, combined by `GroupScoring`) and the data-aware ones.
public struct NeuronScorerRegistry: Sendable {
    public typealias Factory = @Sendable (ScorerOptions, DataSampling) -> any NeuronScorer
    private var weightScorers: ScorerRegistry
    private var factories: [(name: String, make: Factory)]

    public var names: [String] { weightScorers.names + factories.map(\.name) }

    public static let standard = NeuronScorerRegistry(weightScorers: .standard, factories: ActivationNeuronScorer.Statistic.allCases.map { statistic in
        (statistic.rawValue, { _, sampling in ActivationNeuronScorer(statistic: statistic, sampling: sampling) })
    })

    /// The scorer called `name`.
    /// - Throws: `ScorerError` for an unknown name or invalid options.
    public func make(
        _ name: String, options: ScorerOptions = ScorerOptions(), groupScoring: GroupScoring = .concatenated,
        sampling: DataSampling = DataSampling()
    ) throws -> any NeuronScorer {
        if let entry = factories.first(where: { $0.name == name }) {
            guard sampling.batches > 0, sampling.batchSize > 0 else {
                throw ScorerError.invalidOption("\(name): \(sampling.batches) batches of \(sampling.batchSize) samples: both must be positive")
            }
            return entry.make(options, sampling)
        }
        guard weightScorers.names.contains(name) else { throw ScorerError.unknownScorer(name, known: names) }
        return WeightNeuronScores(try weightScorers.make(name, options: options), groupScoring: groupScoring)
    }
}
