import GraphPruneGraphs
import GraphPruneNetwork
import GraphPruneNumerics

extension SparseEvolution {
    /// The positions of the layers CenSET's graph is built from: the sparse layers, which must
    /// form a chain (each one's inputs are the previous one's outputs, only size-preserving
    /// layers — activations, dropout — in between), followed by the dense output layer when
    /// `includeOutputLayer` is set. Throws when they do not chain or there is no output layer.
    public func graphLayers(of model: Network) throws -> [Int] {
        guard case .censet(_, _, let includeOutput, _) = rule else { return [] }
        let sparse = try connectionTargets(of: model).map(\.position)
        var chain = sparse
        if includeOutput {
            let dense = model.architecture.layers.indices.filter { if case .dense = model.architecture.layers[$0] { true } else { false } }
            guard let output = dense.last, output > sparse.last! else {
                throw SparseEvolutionError("CenSET: the output layer is to be included but no dense layer follows the last sparse layer \(sparse.last!)")
            }
            chain.append(output)
        }
        try CentralityDistribution.requireChain(chain, of: model, subject: "CenSET")
        return chain
    }

    /// CenSET's removal: the Laplacian centrality of every node of the graph of the chain
    /// `graphLayers(of:)` (weights out × in, zeros are no edges), `μ` and population `σ` over all
    /// nodes, and per sparse layer (storage order) whether a connection touches a neuron with
    /// `LC < μ − kσ`.
    /// - Complexity: O(Σ in·out) for the graph, O(n + m) for the scores.
    func censetRemoval(
        of model: Network, k: Double, variant: LaplacianCentrality.Variant, weighting: LayeredGraph.EdgeWeighting
    ) throws -> (removal: [[Bool]], statistics: CentralityStatistics) {
        let chain = try graphLayers(of: model)
        let weights: [Matrix<Float>] = chain.map { model.layers[$0].connections!.weight }
        let graph = try LayeredGraph(layers: weights, weighting: weighting)
        let scores = try LaplacianCentrality(normalized: false, absoluteWeights: false, variant: variant)
            .centrality(of: graph.graph).values
        let statistics = SparseEvolution.statistics(of: scores, k: k)
        let below = scores.map { $0 < statistics.threshold }
        var removal = [[Bool]]()
        let sparse = Set(model.sparseLayerPositions)
        for (l, position) in chain.enumerated() {
            guard sparse.contains(position) else { continue }  // the dense output layer
            let layer = model.layer(at: position, as: SparseDense.self)
            let inputBase = graph.blockOffsets[l], outputBase = graph.blockOffsets[l + 1]
            var remove = [Bool](repeating: false, count: layer.connectionCount)
            for j in 0..<layer.outputs {
                let outputBelow = below[outputBase + j]
                for p in layer.rowStarts[j]..<layer.rowStarts[j + 1] {
                    remove[p] = outputBelow || below[inputBase + Int(layer.columns[p])]
                }
            }
            removal.append(remove)
        }
        return (removal, statistics)
    }

    /// Mean, population standard deviation, extremes of `scores`, the threshold `μ − kσ` and
    /// how many scores lie strictly below it. O(n).
    static func statistics(of scores: [Double], k: Double) -> CentralityStatistics {
        let (mean, std) = CentralityDistribution.moments(of: scores)
        let threshold = mean - k * std
        return CentralityStatistics(
            nodes: scores.count, mean: mean, std: std, min: scores.min() ?? 0, max: scores.max() ?? 0,
            threshold: threshold, neuronsBelow: scores.reduce(0) { $0 + ($1 < threshold ? 1 : 0) })
    }
}
