/// Everything a scorer may be configured with; each scorer reads the fields it needs.
public struct ScorerOptions: Equatable, Sendable {
    /// Similarity threshold τ of the neuron graph, in [−1, 1) (paper 002 uses 0.2–0.9).
    public var tau: Double = 0.5
    /// Seed of the random control.
    public var seed: UInt64 = 0
    /// Normalised Laplacian/degree centrality.
    public var normalized: Bool = false
    /// Score |w| instead of signed weights in the Laplacian centrality.
    public var absoluteWeights: Bool = false
    public var laplacianVariant: LaplacianCentrality.Variant = .standard
    public var magnitudeNorm: MagnitudeScorer.Norm = .l2

    public init() {}

    /// Checks the values a user can get wrong; the message names the option.
    public func validate() throws {
        guard tau >= -1 && tau < 1 else {
            throw ScorerError.invalidOption("--tau \(tau) is outside [-1, 1): cosine similarities lie in [-1, 1]")
        }
    }
}

public enum ScorerError: Error, Equatable, CustomStringConvertible {
    case unknownScorer(String, known: [String])
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .unknownScorer(name, known):
            return "unknown scorer '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .invalidOption(message):
            return message
        }
    }
}

/// Scorers by name, so the CLI and experiment specs pick them by string. A value type: extend it
/// with `registering(_:make:)` without touching the standard list.
public struct ScorerRegistry: Sendable {
    public typealias Factory = @Sendable (ScorerOptions) -> any ImportanceScorer

    private var factories: [(name: String, make: Factory)]

    /// Registered names, in registration order.
    public var names: [String] { factories.map(\.name) }

    /// The toolkit's scorers.
    public static let standard = ScorerRegistry(factories: [
        ("eigenvector", { SimilarityGraphScorer(tau: $0.tau, centrality: EigenvectorCentrality()) }),
        ("laplacian", {
            SimilarityGraphScorer(tau: $0.tau, centrality: LaplacianCentrality(
                normalized: $0.normalized, absoluteWeights: $0.absoluteWeights, variant: $0.laplacianVariant))
        }),
        ("degree", { SimilarityGraphScorer(tau: $0.tau, centrality: DegreeCentrality(normalized: $0.normalized)) }),
        ("magnitude", { MagnitudeScorer(norm: $0.magnitudeNorm) }),
        ("random", { RandomScorer(seed: $0.seed) }),
    ])

    /// This registry plus `name` (replacing an entry of the same name).
    public func registering(_ name: String, make: @escaping Factory) -> ScorerRegistry {
        var copy = self
        copy.factories.removeAll { $0.name == name }
        copy.factories.append((name, make))
        return copy
    }

    /// The scorer called `name`, configured by `options` (validated first).
    public func make(_ name: String, options: ScorerOptions = ScorerOptions()) throws -> any ImportanceScorer {
        try options.validate()
        guard let entry = factories.first(where: { $0.name == name }) else {
            throw ScorerError.unknownScorer(name, known: names)
        }
        return entry.make(options)
    }
}
