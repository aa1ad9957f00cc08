import GraphPruneNetwork

/// One epoch of a run's history: what training did (`EpochRecord`), the distribution of the
/// network's Laplacian centrality after it when the run records it (`centrality`), and what
/// sparse evolution (SET / CenSET) changed after it, `rewiring`, nil for plain training and
/// after the last epoch.
///
/// The training record's fields read through (`r.testAccuracy`), and the JSON form is the
/// training record's object with a `rewiring` key added, so a run history reads the same
/// whether or not it was rewired.
@dynamicMemberLookup
public struct RewiredEpochRecord: Codable, Equatable, Sendable {
    public var training: EpochRecord
    public var rewiring: RewiringRecord?
    /// The network's Laplacian centrality after the epoch's training, before any rewiring.
    public var centrality: CentralityDistribution?

    public init(_ training: EpochRecord, rewiring: RewiringRecord? = nil, centrality: CentralityDistribution? = nil) {
        self.training = training
        self.rewiring = rewiring
        self.centrality = centrality
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<EpochRecord, T>) -> T {
        get { training[keyPath: keyPath] }
        set { training[keyPath: keyPath] = newValue }
    }

    private enum CodingKeys: String, CodingKey { case rewiring, centrality }

    public init(from decoder: any Decoder) throws {
        training = try EpochRecord(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rewiring = try container.decodeIfPresent(RewiringRecord.self, forKey: .rewiring)
        centrality = try container.decodeIfPresent(CentralityDistribution.self, forKey: .centrality)
    }

    public func encode(to encoder: any Encoder) throws {
        try training.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(rewiring, forKey: .rewiring)
        try container.encodeIfPresent(centrality, forKey: .centrality)
    }
}
