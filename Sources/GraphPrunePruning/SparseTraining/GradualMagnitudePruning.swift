import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// Gradual magnitude pruning (Zhu & Gupta 2017, "To prune, or not to prune"): during training,
/// every `frequency` steps from `startStep` to `endStep`, remove the smallest-magnitude weights
/// until the pruned layers reach the sparsity of the cubic schedule
/// ```
/// s_t = s_f + (s_i − s_f) · (1 − (t − t₀) / (n Δt))³,   t = t₀, t₀ + Δt, …, t₀ + n Δt
/// ```
/// (`s_i` the initial, `s_f` the final sparsity, `n = ⌊(endStep − t₀) / Δt⌋`), then train on
/// to the end with the final masks.
///
/// **Counts.** At a pruning step each pruned layer `l` with `m_l` weights keeps
/// `round((1 − s_t) · m_l)` connections (`layerwise`), or all layers together keep
/// `round((1 − s_t) · Σ m_l)` by one magnitude threshold (`global`); either way the largest `|w|`
/// are kept, ties to the lower position. A removed connection never returns (the count only
/// falls), so the kept set is a subset of the last one.
///
/// **Masks hold through the optimiser.** Dense layers become truly sparse (`SparseDense`, at
/// full density first: its masked dense path) and lose removed connections from their storage
/// — their momentum or Adam moments are remapped (`PositionMap`), so neither momentum nor
/// weight decay can bring a removed weight back. Convolutions keep a mask: every weight update
/// re-zeroes masked entries (`Conv2D.setMask`).
/// - Complexity: per pruning step, O(Σ m_l log m_l) for the sorts.
public struct GradualMagnitudePruning: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable, Codable { case layerwise, global }

    public var initialSparsity: Double
    public var finalSparsity: Double
    /// `t₀`: steps completed at the first pruning step.
    public var startStep: Int
    /// The last step at which pruning may happen (`t₀ + n Δt ≤ endStep`).
    public var endStep: Int
    /// `Δt`: steps between pruning steps.
    public var frequency: Int
    public var scope: Scope

    public init(initialSparsity: Double = 0, finalSparsity: Double, startStep: Int, endStep: Int, frequency: Int, scope: Scope = .layerwise) {
        (self.initialSparsity, self.finalSparsity, self.startStep, self.endStep) = (initialSparsity, finalSparsity, startStep, endStep)
        (self.frequency, self.scope) = (frequency, scope)
    }

    /// Why the schedule cannot run, or nil.
    public var problem: String? {
        guard initialSparsity >= 0, finalSparsity < 1, initialSparsity <= finalSparsity else {
            return "sparsities \(initialSparsity) → \(finalSparsity) must satisfy 0 ≤ initial ≤ final < 1"
        }
        guard startStep >= 0, endStep >= startStep, frequency > 0 else {
            return "steps \(startStep) … \(endStep) every \(frequency) must be non-negative, ordered, the frequency positive"
        }
        return nil
    }

    /// `n`: pruning steps after the first.
    public var intervals: Int { (endStep - startStep) / frequency }

    /// The schedule's sparsity after `step` steps: `s_i` before `t₀`, the cubic at and after
    /// it, `s_f` from `t₀ + n Δt` on.
    public func sparsity(afterStep step: Int) -> Double {
        guard step >= startStep else { return initialSparsity }
        let span = Double(intervals * frequency)
        guard span > 0 else { return finalSparsity }
        let progress = min(1, Double(step - startStep) / span)
        let remaining = 1 - progress
        return finalSparsity + (initialSparsity - finalSparsity) * remaining * remaining * remaining
    }

    /// Whether the model is pruned after `step` steps: `t₀ + k Δt` for `k = 0 … n`.
    public func prunes(afterStep step: Int) -> Bool {
        step >= startStep && step <= startStep + intervals * frequency && (step - startStep) % frequency == 0
    }
}

extension GradualMagnitudePruning {
    /// `model` with its Dense layers among `positions` made truly sparse at full density, the
    /// form the schedule prunes (convolutions stay as they are and get masks).
    public static func prepared(_ model: Network, positions: [Int]) -> Network {
        var layers = model.layers, specs = model.architecture.layers
        let sizes = model.architecture.sizes
        for p in positions {
            guard case .dense(let outputs) = specs[p], let weight = layers[p].connections?.weight else { continue }
            layers[p] = layers[p].keepingConnections(Matrix(rows: weight.rows, columns: weight.columns, elements: [Float](repeating: 1, count: weight.elements.count)))
            let inputs = sizes[model.architecture.inputs[p][0]]
            specs[p] = .sparseDense(outputs: outputs, epsilon: Double(inputs * outputs) / Double(inputs + outputs))
        }
        return Network(architecture: model.architecture.replacingLayers(specs), layers: layers)
    }

    /// The number of connections each layer at `positions` keeps at sparsity `s`, of `totals`
    /// (each layer's weights before pruning), given the layers' current weights `weights`
    /// (kept: nonzero in the mask) — layerwise or by one global threshold.
    func keptCounts(sparsity s: Double, totals: [Int], magnitudes: [[Float]]) -> [Int] {
        switch scope {
        case .layerwise:
            return totals.map { Int((Double($0) * (1 - s)).rounded()) }
        case .global:
            let keep = Int((Double(totals.reduce(0, +)) * (1 - s)).rounded())
            // The `keep` largest magnitudes over all layers, ties to the lower (layer, position).
            var all = [(magnitude: Float, layer: Int, position: Int)]()
            for (l, values) in magnitudes.enumerated() { for (k, v) in values.enumerated() { all.append((v, l, k)) } }
            all.sort { ($0.magnitude, -$0.layer, -$0.position) > ($1.magnitude, -$1.layer, -$1.position) }
            var counts = [Int](repeating: 0, count: magnitudes.count)
            for entry in all.prefix(keep) { counts[entry.layer] += 1 }
            return counts
        }
    }

    /// Prunes `model`'s layers at `positions` to the schedule's sparsity after `step` steps
    /// (`totals`: their weight counts before pruning), remapping `optimizer`'s state of every
    /// sparse layer that lost connections. Returns the connections removed.
    @discardableResult
    public func prune(_ model: inout Network, positions: [Int], totals: [Int], afterStep step: Int, optimizer: inout any Optimizer) -> Int {
        let s = sparsity(afterStep: step)
        let magnitudes = positions.map { p in Self.currentMagnitudes(model.layers[p]) }
        let counts = keptCounts(sparsity: s, totals: totals, magnitudes: magnitudes)
        var removed = 0
        for (i, p) in positions.enumerated() {
            let current = magnitudes[i]
            let keep = min(counts[i], current.count)
            guard keep < current.count else { continue }
            // Keep the `keep` largest magnitudes, ties to the lower position.
            let order = current.indices.sorted { (current[$0], -$0) > (current[$1], -$1) }
            var kept = [Bool](repeating: false, count: current.count)
            for k in order.prefix(keep) { kept[k] = true }
            removed += current.count - keep
            if case .sparseDense = model.architecture.layers[p] {
                let index = TrainingSession.parameterIndices(of: model, layer: p).lowerBound
                let map = model.modifyLayer(at: p, as: SparseDense.self) { layer -> PositionMap in
                    var k = 0
                    return layer.removeConnectionsMapped { _, _, _ in
                        defer { k += 1 }
                        return !kept[k]
                    }
                }
                optimizer.remapState(index: index, by: map)
            } else {
                model.modifyLayer(at: p, as: Conv2D.self) { conv in
                    let existing = conv.mask?.elements ?? [Float](repeating: 1, count: conv.weight.elements.count)
                    var mask = [Float](repeating: 0, count: existing.count)
                    var k = 0
                    for e in existing.indices where existing[e] != 0 {
                        if kept[k] { mask[e] = 1 }
                        k += 1
                    }
                    conv.setMask(Matrix(rows: conv.weight.rows, columns: conv.weight.columns, elements: mask))
                }
            }
        }
        return removed
    }

    /// `|w|` of a layer's current connections, in storage order: a sparse layer's stored
    /// connections, a convolution's unmasked weights (row-major).
    static func currentMagnitudes(_ layer: any Layer) -> [Float] {
        guard let c = layer.connections else { return [] }
        if let mask = c.mask {
            return c.weight.elements.indices.compactMap { mask.elements[$0] != 0 ? abs(c.weight.elements[$0]) : nil }
        }
        return c.weight.elements.map(abs)
    }
}

extension GradualMagnitudePruning {
    /// Trains `model` for `settings.epochs`, pruning the layers at `positions` (Dense,
    /// SparseDense or ungrouped convolutions; nil = every prunable layer) on the schedule after
    /// every step it names. The Dense layers are made truly sparse first (`prepared`), so the
    /// returned model's are `SparseDense` at the final density.
    /// - Throws: the schedule's `problem`, invalid training settings, positions that cannot be
    ///   pruned.
    public func train(
        _ model: inout Network, data: DataSplit, settings: TrainingSettings, positions: [Int]? = nil,
        onBatch: (Int, Int, Int) -> Void = { _, _, _ in }, onEpoch: (EpochRecord) -> Void = { _ in }
    ) throws -> [EpochRecord] {
        if let problem { throw EdgePruningError.invalidOption("gmp: \(problem)") }
        let chosen = positions ?? EdgeLayers.positions(in: model)
        try EdgeLayers.checkPositions(EdgeScoringContext(model: model, positions: chosen))
        model = Self.prepared(model, positions: chosen)
        let totals = chosen.map { Self.currentMagnitudes(model.layers[$0]).count }
        var session = try TrainingSession(for: model, data: data, settings: settings)
        var history = [EpochRecord]()
        for _ in 0..<settings.epochs {
            let record = try session.runEpoch(&model, onBatch: onBatch) { step, _, model, optimizer in
                if prunes(afterStep: step) { prune(&model, positions: chosen, totals: totals, afterStep: step, optimizer: &optimizer) }
            }
            history.append(record)
            onEpoch(record)
        }
        return history
    }
}
