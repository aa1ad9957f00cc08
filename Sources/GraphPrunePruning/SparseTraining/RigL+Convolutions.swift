import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// RigL on convolutions. A convolution's connections are the entries of its unfolded weight
/// (`filters × C·kh·kw`, out × in, row `f` = filter `f` in `(c, i, j)` order) under a 0/1 mask
/// (`Conv2D.setMask`: masked weights are exactly 0 and get no gradient). An update of a layer
/// with `n` active connections and fraction `f`, `k = round(f · n)`:
/// - **drop** the `k` active positions of smallest `|w|` (ties to the lower position);
/// - **grow** the `k` positions inactive after the drop with the largest `|∂L/∂W|` — the
///   gradient at every position (`Conv2D.unmaskedWeightGradient`, `G·colᵀ` over the batch) —
///   ties to the lower position; a grown weight is 0, a just-dropped one may come back, at 0;
/// - the optimiser's state is reset to 0 at every dropped or grown position (identity
///   `PositionMap` with those entries new), so a regrown connection starts without momentum.
/// The mask count stays `n`. Initial masks: `sparsifyConvolutions`, `kept = round(d · m)`
/// uniformly random positions per layer (RigL draws them at its ERK densities).
/// - Complexity: per layer and update, one backward pass of the layer and O(m log m) to rank
///   its `m` positions.
extension RigL {
    /// Positions of the ungrouped convolutions with a mask: the convolutions RigL updates.
    public static func maskedConvolutionPositions(of model: Network) -> [Int] {
        convolutionPositions(of: model.architecture).filter { model.layers[$0].maskedConnections != nil }
    }

    /// Positions of the ungrouped convolutions of `architecture` (the ones RigL can make sparse).
    public static func convolutionPositions(of architecture: Architecture) -> [Int] {
        architecture.layers.indices.filter { p in
            switch architecture.layers[p] {
            case .conv2d: true
            case .convolution(let c): c.groups == 1
            default: false
            }
        }
    }

    /// Gives each listed convolution a uniformly random mask keeping `round(d · m)` of its `m`
    /// weights (at least 1), drawn from `SplitMix64(seed)` layer by layer in the order given
    /// (`RandomMask.uniform`); a density of 1 or more leaves the layer dense (unmasked, so RigL
    /// does not update it, as RigL keeps its dense layers).
    /// - Throws: `EdgePruningError.invalidOption` for a position that is not an ungrouped
    ///   convolution or a density that is not positive.
    public static func sparsifyConvolutions(_ model: inout Network, densities: [(position: Int, density: Double)], seed: UInt64) throws {
        let convolutions = Set(convolutionPositions(of: model.architecture))
        var generator = SplitMix64(seed: seed)
        for (p, d) in densities {
            guard convolutions.contains(p) else {
                throw EdgePruningError.invalidOption("rigl: node \(p) is not an ungrouped convolution")
            }
            guard d > 0 && d.isFinite else { throw EdgePruningError.invalidOption("rigl: convolution density \(d) is not positive") }
            guard d < 1 else { continue }
            try model.modifyLayer(at: p, as: Conv2D.self) { layer in
                let (rows, columns) = (layer.weight.rows, layer.weight.columns)
                let kept = max(1, min(rows * columns, Int((d * Double(rows * columns)).rounded())))
                layer.setMask(RandomMask.uniform(rows: rows, columns: columns, kept: kept, generator: &generator))
            }
        }
    }

    /// One update of the masked convolution at `p` (see the extension's documentation); returns
    /// the connections moved.
    static func updateConvolution(
        _ model: inout Network, at p: Int, fraction f: Double, activations: [Matrix<Float>], outputGradient: Matrix<Float>,
        optimizer: inout any Optimizer
    ) -> Int {
        let input = activations[model.architecture.inputs[p][0]], output = activations[p + 1]
        let index = TrainingSession.parameterIndices(of: model, layer: p).lowerBound
        return model.modifyLayer(at: p, as: Conv2D.self) { layer -> Int in
            guard let mask = layer.mask else { return 0 }
            let k = Int((f * Double(layer.connectionCount)).rounded())
            guard k > 0 else { return 0 }
            let gradient = layer.unmaskedWeightGradient(input: input, output: output, outputGradient: outputGradient)
            let (next, changed) = rewired(mask: mask.elements, weights: layer.weight.elements, gradient: gradient.elements, count: k)
            var weight = layer.weight
            for i in changed { weight.elements[i] = 0 }
            layer.setMask(Matrix(rows: mask.rows, columns: mask.columns, elements: next))
            layer.weight = weight
            let sources = (0..<next.count).map { changed.contains($0) ? Int32(-1) : Int32($0) }
            optimizer.remapState(index: index, by: PositionMap(oldCount: next.count, sources: sources))
            return k
        }
    }

    /// The mask after dropping the `k` active positions of smallest `|w|` and growing the `k`
    /// then-inactive positions of largest `|g|` (ties to the lower position), and the positions
    /// dropped or grown.
    static func rewired(mask: [Float], weights: [Float], gradient: [Float], count k: Int) -> (mask: [Float], changed: Set<Int>) {
        let active = mask.indices.filter { mask[$0] != 0 }
        let drop = active.sorted { (abs(weights[$0]), $0) < (abs(weights[$1]), $1) }.prefix(k)
        var next = mask
        for i in drop { next[i] = 0 }
        let inactive = next.indices.filter { next[$0] == 0 }
        let grow = inactive.sorted { (abs(gradient[$0]), -$0) > (abs(gradient[$1]), -$1) }.prefix(k)
        for i in grow { next[i] = 1 }
        return (next, Set(drop).union(grow))
    }
}
