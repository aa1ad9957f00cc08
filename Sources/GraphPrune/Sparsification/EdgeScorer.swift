/// The edge-level counterpart of `ImportanceScorer`: one non-negative score per weight of every
/// layer, higher = more important. Layers are given together because data-free network-wide
/// scores (SynFlow) need them all; `layers[l]` is layer `l`'s weight matrix, **out × in**, and
/// the result has the same shapes. Data-dependent scores (SNIP, SynFlow) arrive with the pruning
/// procedures, as further conformances registered in `EdgeScorerRegistry`.
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

/// Edge scorers by name (same style as `ScorerRegistry`).
public struct EdgeScorerRegistry: Sendable {
    public typealias Factory = @Sendable () -> any EdgeScorer
    private var factories: [(name: String, make: Factory)]

    public var names: [String] { factories.map(\.name) }

    public static let standard = EdgeScorerRegistry(factories: [("magnitude", { MagnitudeEdgeScorer() })])

    public func registering(_ name: String, make: @escaping Factory) -> EdgeScorerRegistry {
        var copy = self
        copy.factories.removeAll { $0.name == name }
        copy.factories.append((name, make))
        return copy
    }

    public func make(_ name: String) throws -> any EdgeScorer {
        guard let entry = factories.first(where: { $0.name == name }) else {
            throw ScorerError.unknownScorer(name, known: names)
        }
        return entry.make()
    }
}
