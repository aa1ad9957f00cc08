import GraphPruneGraphs
import GraphPruneNetwork
import GraphPruneNumerics

/// What edge pruning did to one layer: the sparsifier's result for it (`NetworkSparsifier.LayerResult`:
/// mask, candidates, kept, connectivity of the score graph before and after, collapsed neurons,
/// ε, top-up) and the layer's position in the model.
public struct EdgePruningLayerReport: Sendable {
    /// Position in the model (`layers.{position}`).
    public var position: Int
    public var result: NetworkSparsifier.LayerResult

    public init(position: Int, result: NetworkSparsifier.LayerResult) {
        self.position = position
        self.result = result
    }

    /// Out × in (a convolution's `filters × C·kh·kw`): 1 = kept, 0 = pruned or no connection.
    public var mask: Matrix<Double> { result.mask }
    /// Connections before pruning (see `EdgePruning`).
    public var candidates: Int { result.candidates }
    /// Connections kept.
    public var kept: Int { result.kept }
    /// Connectivity of the layer's bipartite graph weighted by the scores, before and after.
    public var before: LayerConnectivity { result.before }
    public var after: LayerConnectivity { result.after }
    /// Neurons (outputs, and inputs — a convolution's input channels) that had a candidate
    /// connection and have none left.
    public var collapsedNeurons: Int { result.collapsedNeurons }
    /// The ε of the spectral sample (spectral only; nil when no edge was sampled by ε).
    public var epsilon: Double? { result.epsilon }
    /// Connections added uniformly at random to reach the exact count (spectral only).
    public var toppedUp: Int { result.toppedUp }

    /// `kept / candidates` (1 for a layer without candidates).
    public var density: Double { candidates == 0 ? 1 : Double(kept) / Double(candidates) }
    /// λ₂ of the normalised Laplacian of the largest component of the score graph, before and after.
    public var lambda2Before: Double { before.lambda2 }
    public var lambda2After: Double { after.lambda2 }
}

/// The pruned model and what happened to each pruned layer.
///
/// A pruned Dense layer is stored in the architecture as `.sparseDense(outputs:epsilon:)`; its
/// pattern is the kept connections exactly (a checkpoint stores it as `layers.{i}.mask`), so the
/// ε there is informative only: the Erdős–Rényi ε whose expected density equals the achieved
/// one, `ε = kept / (in + out)` (density `ε (in + out) / (in · out)`), and the value of one
/// connection for an emptied layer (the spec needs ε > 0).
public struct EdgePruningResult: Sendable {
    public var model: Network
    /// One report per pruned layer, in model order.
    public var layers: [EdgePruningLayerReport]
    /// Trainable parameters (`ModelCost`: kept connections, biases, other parameters) of the
    /// given model and of the pruned one.
    public var parameterCountBefore: Int
    public var parameterCount: Int

    /// Kept connections over all pruned layers.
    public var kept: Int { layers.reduce(0) { $0 + $1.kept } }
    /// Candidate connections over all pruned layers.
    public var candidates: Int { layers.reduce(0) { $0 + $1.candidates } }
    /// `kept / candidates` over all pruned layers.
    public var density: Double { candidates == 0 ? 1 : Double(kept) / Double(candidates) }
}

extension EdgePruning {
    /// `base` with every reported layer replaced by its pruned form (see `EdgePruning`).
    static func apply(_ reports: [EdgePruningLayerReport], to base: Network) throws -> Network {
        var layers = base.layers
        var specs = base.architecture.layers
        let shapes = try base.architecture.shapes()
        for report in reports {
            let p = report.position
            guard layers[p].connections != nil else {
                throw EdgePruningError.unsupportedLayer("\(base.architecture.names[p]) has no connections to prune")
            }
            // A Dense layer becomes truly sparse, and its spec records the achieved density.
            layers[p] = layers[p].keepingConnections(report.mask.converted(to: Float.self))
            switch specs[p] {
            case .dense(let outputs), .sparseDense(let outputs, _):
                let inputs = shapes[base.architecture.inputs[p][0]].reduce(1, *)
                specs[p] = .sparseDense(outputs: outputs, epsilon: epsilonEquivalent(kept: report.kept, inputs: inputs, outputs: outputs))
            case .conv2d, .convolution, .maxPool, .averagePool, .globalAveragePooling, .relu, .srelu, .dropout, .batchNorm, .add, .flatten, .identity,
                 .pooling, .clip, .channelAffine, .sigmoid, .silu, .multiply:
                break
            }
        }
        return Network(architecture: base.architecture.replacingLayers(specs), layers: layers)
    }

    /// `max(kept, 1) / (inputs + outputs)`: the Erdős–Rényi ε of the achieved density.
    static func epsilonEquivalent(kept: Int, inputs: Int, outputs: Int) -> Double {
        Double(max(kept, 1)) / Double(inputs + outputs)
    }
}
