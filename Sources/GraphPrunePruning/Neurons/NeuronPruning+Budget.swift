import GraphPruneGraphs
import GraphPruneNetwork

/// The neuron prune ratio that matches a parameter budget (see
/// `NeuronPruning.matchParameterBudget`).
public struct ParameterBudgetMatch: Equatable, Sendable {
    /// The ratio `p` to prune every listed layer with (`NeuronPruning(pruneRatio: p)`).
    public var pruneRatio: Double
    /// Trainable parameters of the model rebuilt at `pruneRatio`, exactly.
    public var parameters: Int
    /// The requested parameter count.
    public var target: Int
    /// The pruned layers' positions, ascending, and their widths after pruning (same order).
    public var positions: [Int]
    public var widths: [Int]
}

extension NeuronPruning {
    /// The prune ratio `p`, the same for every listed layer, whose rebuilt model has the
    /// parameter count closest to `targetParameters` — for instance what an edge-pruned model at
    /// density q keeps, for an equal-budget comparison of neuron and edge pruning.
    ///
    /// **Exact, not searched.** Layer `ℓ` (`n_ℓ` neurons) keeps `n_ℓ − ⌊p n_ℓ⌋` neurons
    /// (`prunedCount`), a step function of `p` that changes only at `p = k / n_ℓ`. Every distinct
    /// outcome is therefore reached at one of the ratios `{k / n_ℓ : 0 ≤ k < n_ℓ}`; each is
    /// evaluated from the widths with `ModelCost`'s formulas (Dense `out·in + out`, Conv2D
    /// `F·C·k² + F`, SReLU `4u`, …). The smallest `|parameters − target|` wins; ties go to the
    /// smaller ratio (less pruning). Ratios leaving a layer narrower than `minimumWidth` are not
    /// considered. The result is deterministic and `prune` at the returned ratio gives exactly
    /// `parameters`.
    ///
    /// **Graphs.** In a network with branches the units are pruned per dependency group (every
    /// producer of a group — the convolutions summed into one residual stream — keeps the same
    /// channels), so every producer of a group takes the group's width; BatchNorm and the layers
    /// reading a group follow from the rebuilt shapes. Masked or sparse layers are counted for
    /// chains only (refused in graphs).
    ///
    /// **Sparse layers.** A SparseDense layer's or a masked (edge-pruned) convolution's count
    /// depends on *which* neurons are kept (its connections in kept rows and kept input columns),
    /// so when a listed layer is such a layer or feeds one, `scorer` must be given: the layers are scored once (on the original
    /// weights, as `prune` does) and connections are removed incrementally in the scorer's order
    /// as `p` grows — O(nnz) in total over all candidate ratios.
    ///
    /// - Complexity: O(R · L) for R = Σ n_ℓ candidate ratios and L layers, plus the scorer's cost
    ///   and O(nnz) when sparse layers are involved.
    public static func matchParameterBudget(
        _ model: Network, layers positions: [Int], targetParameters: Int,
        scorer: (any ImportanceScorer)? = nil, minimumWidth: Int = 1
    ) throws -> ParameterBudgetMatch {
        try validate(pruneRatio: 0, minimumWidth: minimumWidth)
        guard targetParameters >= 0 else {
            throw NeuronPruningError.invalidTarget("target parameter count \(targetParameters) must not be negative")
        }
        if !model.architecture.isChain, let masked = model.layers.firstIndex(where: { $0.connections?.mask != nil }) {
            throw NeuronPruningError.invalidOption(
                "\(model.architecture.names[masked]) is masked in a graph with branches: parameter budgets with masked or sparse layers are matched for chains")
        }
        let chosen = try groups(for: positions, in: model)
        let sorted = chosen.map { $0.producers[0] }
        let units = sorted.map { NeuronPruning.units(at: $0, in: model)! }
        let shapes = try model.architecture.shapes()
        var counters = try sparseCounters(model, pruned: sorted, shapes: shapes, scorer: scorer)

        var candidates = Set<Double>()
        for n in units { for k in 0..<n { candidates.insert(Double(k) / Double(n)) } }
        var best: ParameterBudgetMatch? = nil
        var previous: [Int]? = nil
        for ratio in candidates.sorted() {
            let pruned = units.map { prunedCount(ratio: ratio, units: $0) }
            if pruned == previous { continue }  // the same model as the smaller ratio before
            previous = pruned
            if zip(units, pruned).contains(where: { $0 - $1 < minimumWidth }) { break }  // widths only shrink
            var specs = model.architecture.layers
            var connections = [Int: Int]()
            for (k, group) in chosen.enumerated() {
                for position in group.producers { specs[position] = specs[position].withUnits(units[k] - pruned[k]) }
            }
            for j in counters.keys.sorted() {
                let rowsRemoved = counters[j]!.rowSource.map { pruned[sorted.firstIndex(of: $0)!] } ?? 0
                let unitsRemoved = counters[j]!.unitSource.map { pruned[sorted.firstIndex(of: $0)!] } ?? 0
                counters[j]!.advance(rowsRemoved: rowsRemoved, unitsRemoved: unitsRemoved)
                connections[j] = counters[j]!.count
            }
            let rebuilt = model.architecture.replacingLayers(specs)
            let newShapes = try rebuilt.shapes()
            var parameters = 0
            for (i, spec) in specs.enumerated() {
                let nnz = connections[i] ?? model.layers[i].maskedConnections
                parameters += ModelCost.cost(of: spec, input: newShapes[rebuilt.inputs[i][0]], output: newShapes[i + 1], connections: nnz).parameters
            }
            if best == nil || abs(parameters - targetParameters) < abs(best!.parameters - targetParameters) {
                best = ParameterBudgetMatch(
                    pruneRatio: ratio, parameters: parameters, target: targetParameters, positions: sorted,
                    widths: zip(units, pruned).map { $0 - $1 })
            }
        }
        guard let best else {
            let narrowest = zip(sorted, units).min { $0.1 < $1.1 }!
            throw NeuronPruningError.collapse(
                position: narrowest.0, units: narrowest.1, pruned: 0, minimumWidth: minimumWidth, name: model.architecture.names[narrowest.0])
        }
        return best
    }

    /// A counter for every sparse layer or masked convolution whose rows are pruned or whose
    /// input columns are sliced. A mask is counted as the sparse pattern of its ones, an input
    /// channel owning `kh·kw` columns.
    private static func sparseCounters(
        _ model: Network, pruned: [Int], shapes: [[Int]], scorer: (any ImportanceScorer)?
    ) throws -> [Int: SparseConnectionCounter] {
        // The pruned layer feeding each parameterised layer, if any.
        var feeder = [Int: Int]()
        for position in pruned {
            if let next = ((position + 1)..<model.layers.count).first(where: { units(at: $0, in: model) != nil }) {
                feeder[next] = position
            }
        }
        var rankings = [Int: [Int]]()
        func ranking(_ position: Int) throws -> [Int] {
            if let r = rankings[position] { return r }
            guard let scorer else { throw NeuronPruningError.scorerNeeded(position: position) }
            let r = try GroupScoring.score(
                model.layers[position].connections!.weight, name: model.architecture.names[position], with: scorer).ranking()
            rankings[position] = r
            return r
        }
        var counters = [Int: SparseConnectionCounter]()
        for (j, layer) in model.layers.enumerated() {
            // Sparse layers and masked convolutions: their mask is the pattern to count.
            guard let connections = layer.connections, let mask = connections.mask else { continue }
            let unitSource = feeder[j]
            let s = SparseDense(dense: mask)
            // Columns per unit of the feeding layer: a convolution's input channel owns kh·kw
            // columns; a Dense layer after a convolution reads H·W features per channel.
            let area: Int
            switch model.architecture.layers[j] {
            case .conv2d, .convolution: area = connections.inputGroupSize
            default: area = Architecture.channelLayout(of: shapes[j]).area
            }
            let rowSource = pruned.contains(j) ? j : nil
            guard rowSource != nil || unitSource != nil else { continue }
            guard scorer != nil else { throw NeuronPruningError.scorerNeeded(position: j) }
            counters[j] = SparseConnectionCounter(
                layer: s, rowOrder: try rowSource.map { try ranking($0).reversed() } ?? [],
                unitOrder: try unitSource.map { try ranking($0).reversed() } ?? [], featuresPerUnit: area,
                rowSource: rowSource, unitSource: unitSource)
        }
        return counters
    }
}

/// The stored connections of a sparse layer left when its lowest-ranked rows and the
/// lowest-ranked units of the layer feeding it are removed, updated incrementally: removing a row
/// drops its connections to live columns, removing a unit drops the connections of its columns
/// from live rows, so every connection is dropped once. O(nnz + inputs + outputs) in total.
struct SparseConnectionCounter {
    let layer: SparseDense
    /// Rows (units) in removal order: least important first.
    let rowOrder: [Int]
    let unitOrder: [Int]
    /// Input features per unit of the feeding layer (`H·W` after a convolution, else 1);
    /// unit `u` owns the features `u·featuresPerUnit ..< (u+1)·featuresPerUnit`.
    let featuresPerUnit: Int
    let rowSource: Int?
    let unitSource: Int?
    private var rowAlive: [Bool]
    private var columnAlive: [Bool]
    private var rowsRemoved = 0
    private var unitsRemoved = 0
    private(set) var count: Int

    init(layer: SparseDense, rowOrder: [Int], unitOrder: [Int], featuresPerUnit: Int, rowSource: Int?, unitSource: Int?) {
        self.layer = layer
        self.rowOrder = rowOrder
        self.unitOrder = unitOrder
        self.featuresPerUnit = featuresPerUnit
        self.rowSource = rowSource
        self.unitSource = unitSource
        rowAlive = [Bool](repeating: true, count: layer.outputs)
        columnAlive = [Bool](repeating: true, count: layer.inputs)
        count = layer.connectionCount
    }

    /// Removes rows and units until `rowsRemoved` rows and `unitsRemoved` units are gone (counts
    /// only grow).
    mutating func advance(rowsRemoved targetRows: Int, unitsRemoved targetUnits: Int) {
        precondition(targetRows >= rowsRemoved && targetUnits >= unitsRemoved, "the counter only removes")
        while rowsRemoved < targetRows {
            let row = rowOrder[rowsRemoved]
            for k in layer.rowStarts[row]..<layer.rowStarts[row + 1] where columnAlive[Int(layer.columns[k])] { count -= 1 }
            rowAlive[row] = false
            rowsRemoved += 1
        }
        while unitsRemoved < targetUnits {
            let unit = unitOrder[unitsRemoved]
            for column in (unit * featuresPerUnit)..<((unit + 1) * featuresPerUnit) {
                for e in layer.columnStarts[column]..<layer.columnStarts[column + 1] where rowAlive[Int(layer.columnRows[e])] {
                    count -= 1
                }
                columnAlive[column] = false
            }
            unitsRemoved += 1
        }
    }
}

extension Architecture.LayerSpec {
    /// The same layer with `units` neurons (Dense/SparseDense outputs, Conv2D filters).
    func withUnits(_ units: Int) -> Architecture.LayerSpec {
        switch self {
        case .dense: return .dense(outputs: units)
        case .sparseDense(_, let epsilon): return .sparseDense(outputs: units, epsilon: epsilon)
        case .conv2d(_, let kernel, let same): return .conv2d(filters: units, kernel: kernel, same: same)
        case .convolution(var c):
            c.filters = units
            return .convolution(c)
        default: preconditionFailure("\(self) has no neurons")
        }
    }
}
