import GraphPruneGraphs
import GraphPruneNetwork
import GraphPruneNumerics

/// The distribution of the Laplacian centrality over the neurons of a network — paper 003's
/// analysis of how it evolves while a dense MLP or SET trains (its Figs. 4, 5, 8, Tables 9–10).
///
/// The graph is the one CenSET thresholds (paper 003 §4.1): the input neurons and the neurons
/// of every weight layer but the output layer, one edge per nonzero weight between consecutive
/// layers with weight `|w|` (`LayeredGraph`, `.absolute`); a dense layer contributes all its
/// weights, a sparse one its stored connections. The score is the unnormalised Laplacian
/// centrality of the undirected graph, `LC(v) = d_v² + Σ_u w_uv² + 2 Σ_u w_uv d_u` with `d` the
/// weighted degrees (`LaplacianCentrality`, standard variant). `std` is the population deviation, as CenSET's.
public struct CentralityDistribution: Codable, Equatable, Sendable {
    /// Nodes of the graph (input neurons included).
    public var nodes: Int
    public var mean: Double
    /// Population standard deviation (divisor n).
    public var std: Double
    /// The quantiles at 0, 5 %, 10 %, …, 100 % (21 values; type 7, linear between order
    /// statistics, as NumPy's default), enough to draw the distribution.
    public var quantiles: [Double]

    /// The probabilities of `quantiles`.
    public static let levels: [Double] = (0...20).map { Double($0) / 20 }

    /// The distribution of `scores`.
    /// - Precondition: `scores` is not empty.
    /// - Complexity: O(n log n) (a sort).
    public init(scores: [Double]) {
        precondition(!scores.isEmpty, "a distribution of no scores")
        nodes = scores.count
        (mean, std) = Self.moments(of: scores)
        let sorted = scores.sorted()
        quantiles = Self.levels.map { p in
            let h = p * Double(sorted.count - 1)
            let low = Int(h.rounded(.down))
            let high = Swift.min(low + 1, sorted.count - 1)
            return sorted[low] + (h - Double(low)) * (sorted[high] - sorted[low])
        }
    }

    /// The mean and the population standard deviation (divisor n) of `scores`, in two passes;
    /// (0, 0) for none. CenSET's threshold uses the same (`SparseEvolution.statistics`). O(n).
    static func moments(of scores: [Double]) -> (mean: Double, std: Double) {
        let n = Double(Swift.max(1, scores.count))
        let mean = scores.reduce(0, +) / n
        return (mean, (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot())
    }

    /// Throws unless the weight layers at `chain` (positions, in order) follow each other with
    /// only size-preserving layers (activations, dropout) between them, so that each one's
    /// inputs are the previous one's outputs: the layered graph CenSET and this analysis build.
    static func requireChain(_ chain: [Int], of model: Network, subject: String) throws {
        let sizes = model.architecture.sizes
        for (a, b) in zip(chain, chain.dropFirst()) where !sizes[(a + 1)...b].allSatisfy({ $0 == sizes[a + 1] }) {
            throw SparseEvolutionError("\(subject): the weight layers at positions \(a) and \(b) do not form a chain (sizes \(Array(sizes[(a + 1)...(b + 1)]))); it needs consecutive fully connected layers")
        }
    }

    /// The quantile at `level`, one of `levels` (0.5 = the median).
    public func quantile(_ level: Double) -> Double? {
        Self.levels.firstIndex(of: level).map { quantiles[$0] }
    }

    /// The distribution of the Laplacian centralities of `model`'s graph (see the type).
    /// - Throws: `SparseEvolutionError` when the model's weight layers do not form a chain of
    ///   fully connected layers with at least one hidden layer (a CNN, a residual network).
    /// - Complexity: O(Σ weights) for the graph, O(n log n + m) for the scores.
    public static func of(_ model: Network) throws -> CentralityDistribution {
        let positions = model.layers.indices.filter { model.layers[$0].connections != nil }
        for (position, kind) in model.architecture.layers.enumerated() {
            let allowed: Bool
            switch kind {
            case .dense, .sparseDense, .relu, .srelu, .dropout, .identity, .flatten: allowed = true
            default: allowed = false
            }
            guard allowed else {
                throw SparseEvolutionError("the Laplacian centrality of the network needs a chain of fully connected layers; layer \(position) of \(model.architecture.summary) is not one")
            }
        }
        guard positions.count >= 2 else {
            throw SparseEvolutionError("the Laplacian centrality of the network needs at least one hidden weight layer before the output layer; \(model.architecture.summary) has \(positions.count) weight layers")
        }
        let chain = Array(positions.dropLast())
        try requireChain(positions, of: model, subject: "the Laplacian centrality of the network")
        let weights = try chain.map { position -> Matrix<Float> in
            guard let connections = model.layers[position].connections, connections.weight.rows > 0 else {
                throw SparseEvolutionError("the layer at position \(position) has no weight matrix")
            }
            return connections.weight
        }
        let graph = try LayeredGraph(layers: weights, weighting: .absolute)
        let scores = try LaplacianCentrality(normalized: false, absoluteWeights: false, variant: .standard).centrality(of: graph.graph).values
        return CentralityDistribution(scores: scores)
    }
}
