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
    /// `EdgePruning.parameterCount` of the given model and of the pruned one.
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
    /// Trainable scalars that can be nonzero: a Dense layer's weights and biases, a sparse
    /// layer's stored connections and biases, a convolution's kept connections and biases, and
    /// every other layer's parameters (`ModelCost`'s count).
    /// - Complexity: O(layers) plus a mask count per masked convolution.
    public static func parameterCount(of model: Network) -> Int { ModelCost(model).parameters }

    /// `base` with every reported layer replaced by its pruned form (see `EdgePruning`).
    static func apply(_ reports: [EdgePruningLayerReport], to base: Network) throws -> Network {
        var layers = base.layers
        var specs = base.architecture.layers
        for report in reports {
            let p = report.position, mask = report.mask
            switch layers[p] {
            case let c as Conv2D:
                var pruned = c
                pruned.setMask(mask.converted(to: Float.self))
                layers[p] = pruned
            case let d as Dense:
                layers[p] = sparse(weight: d.weight, bias: d.bias, mask: mask)
                specs[p] = .sparseDense(outputs: d.outputs, epsilon: epsilonEquivalent(kept: report.kept, inputs: d.inputs, outputs: d.outputs))
            case let s as SparseDense:
                layers[p] = sparse(weight: s.denseWeight(), bias: s.bias, mask: mask)
                specs[p] = .sparseDense(outputs: s.outputs, epsilon: epsilonEquivalent(kept: report.kept, inputs: s.inputs, outputs: s.outputs))
            default:
                throw EdgePruningError.unsupportedLayer("layer \(p) (\(type(of: layers[p]))) cannot be edge-pruned")
            }
        }
        return Network(architecture: base.architecture.replacingLayers(specs), layers: layers)
    }

    /// A `SparseDense` with the connections where `mask` is nonzero (row-major order), their
    /// values from `weight` (out × in) and `bias`.
    private static func sparse(weight: Matrix<Float>, bias: [Float], mask: Matrix<Double>) -> SparseDense {
        var connections = [(output: Int, input: Int)](), values = [Float]()
        for e in mask.elements.indices where mask.elements[e] != 0 {
            connections.append((e / weight.columns, e % weight.columns))
            values.append(weight.elements[e])
        }
        return SparseDense(inputs: weight.columns, outputs: weight.rows, connections: connections, values: values, bias: bias)
    }

    /// `max(kept, 1) / (inputs + outputs)`: the Erdős–Rényi ε of the achieved density.
    static func epsilonEquivalent(kept: Int, inputs: Int, outputs: Int) -> Double {
        Double(max(kept, 1)) / Double(inputs + outputs)
    }
}
