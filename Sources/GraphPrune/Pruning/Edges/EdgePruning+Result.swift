/// What edge pruning did to one layer.
public struct EdgePruningLayerReport: Sendable {
    /// Position in the model (`layers.{position}`).
    public var position: Int
    /// Out × in (a convolution's `filters × C·kh·kw`): 1 = kept, 0 = pruned or no connection.
    public var mask: Matrix<Double>
    /// Connections before pruning (see `EdgePruning`).
    public var candidates: Int
    /// Connections kept.
    public var kept: Int
    /// Connectivity of the layer's bipartite graph weighted by the scores, before and after
    /// (λ₂ of the largest component, components, isolated neurons; see `LayerConnectivity`).
    public var before: LayerConnectivity
    public var after: LayerConnectivity
    /// Neurons (outputs, and inputs — a convolution's input channels) that had a candidate
    /// connection and have none left.
    public var collapsedNeurons: Int
    /// The ε of the spectral sample (spectral only; nil when no edge was sampled by ε).
    public var epsilon: Double?
    /// Connections added uniformly at random to reach the exact count (spectral only).
    public var toppedUp: Int

    /// `kept / candidates` (1 for a layer without candidates).
    public var density: Double { candidates == 0 ? 1 : Double(kept) / Double(candidates) }
    /// λ₂ of the normalised Laplacian of the largest component of the score graph, before and after.
    public var lambda2Before: Double { before.lambda2 }
    public var lambda2After: Double { after.lambda2 }

    public init(
        position: Int, mask: Matrix<Double>, candidates: Int, kept: Int, before: LayerConnectivity,
        after: LayerConnectivity, collapsedNeurons: Int, epsilon: Double? = nil, toppedUp: Int = 0
    ) {
        self.position = position
        self.mask = mask
        self.candidates = candidates
        self.kept = kept
        self.before = before
        self.after = after
        self.collapsedNeurons = collapsedNeurons
        self.epsilon = epsilon
        self.toppedUp = toppedUp
    }

    /// The report of `mask` (0/1) chosen among `candidates` (nonzero = a connection), with the
    /// connectivity of the `scores` graph before and after; `inputGroup` consecutive columns form
    /// one input neuron (`kh · kw` for a convolution).
    /// - Complexity: O(out · in) plus two `LayerConnectivity` SVDs.
    init(position: Int, mask: Matrix<Double>, candidates: Matrix<Double>, scores: Matrix<Double>, inputGroup: Int) throws {
        let columns = candidates.columns, group = max(1, inputGroup)
        var hadOutput = [Bool](repeating: false, count: candidates.rows), hasOutput = hadOutput
        var hadInput = [Bool](repeating: false, count: (columns + group - 1) / group), hasInput = hadInput
        var count = 0, kept = 0
        var keptScores = scores
        for e in candidates.elements.indices {
            keptScores.elements[e] *= mask.elements[e]
            guard candidates.elements[e] != 0 else { continue }
            let j = e / columns, i = (e % columns) / group
            count += 1
            hadOutput[j] = true
            hadInput[i] = true
            if mask.elements[e] != 0 { kept += 1; hasOutput[j] = true; hasInput[i] = true }
        }
        let collapsed = zip(hadOutput, hasOutput).filter { $0 && !$1 }.count + zip(hadInput, hasInput).filter { $0 && !$1 }.count
        self.init(
            position: position, mask: mask, candidates: count, kept: kept,
            before: try LayerConnectivity(edgeWeights: scores), after: try LayerConnectivity(edgeWeights: keptScores),
            collapsedNeurons: collapsed)
    }
}

/// The pruned model and what happened to each pruned layer.
///
/// A pruned Dense layer is stored in the architecture as `.sparseDense(outputs:epsilon:)`; its
/// pattern is the kept connections exactly (a checkpoint stores it as `layers.{i}.mask`), so the
/// ε there is informative only: the Erdős–Rényi ε whose expected density equals the achieved
/// one, `ε = kept / (in + out)` (density `ε (in + out) / (in · out)`), and the value of one
/// connection for an emptied layer (the spec needs ε > 0).
public struct EdgePruningResult: Sendable {
    public var model: Sequential
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
    /// layer's stored connections and biases, a convolution's kept connections
    /// (`Conv2D.connectionCount`) and biases, and every other layer's parameters (SReLU).
    /// - Complexity: O(layers) plus a mask count per masked convolution.
    public static func parameterCount(of model: Sequential) -> Int {
        model.layers.reduce(0) { total, layer in
            switch layer {
            case let d as Dense: return total + d.weight.elements.count + d.bias.count
            case let s as SparseDense: return total + s.connectionCount + s.bias.count
            case let c as Conv2D: return total + c.connectionCount + c.bias.count
            default:
                var copy = layer, count = 0
                copy.visitParameters { values, _ in count += values.count }
                return total + count
            }
        }
    }

    /// `base` with every reported layer replaced by its pruned form (see `EdgePruning`).
    static func apply(_ reports: [EdgePruningLayerReport], to base: Sequential) throws -> Sequential {
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
        return Sequential(architecture: Architecture(inputShape: base.architecture.inputShape, layers: specs), layers: layers)
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
