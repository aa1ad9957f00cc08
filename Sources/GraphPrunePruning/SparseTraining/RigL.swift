import Foundation
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// RigL, "Rigging the Lottery" (Evci et al. 2020): dynamic sparse training that keeps every
/// sparse layer's connection count, and every `frequency` steps until `endStep`
/// - **drops** the `k` active connections of smallest `|w|`, and
/// - **grows** the `k` inactive connections of largest `|∂L/∂W|` on the step's batch (the dense
///   gradient, `G = δᵀ X`: `δ` the layer's output gradient, `X` its input, batch-major), new
///   weights 0 — a connection just dropped may come back, at 0,
///
/// with `k = round(f(t) · n)` for a layer of `n` connections and the cosine-decayed fraction
/// ```
/// f(t) = α/2 · (1 + cos(π t / endStep))
/// ```
/// Ties go to the lower row-major position (dropped first, grown first). The layers are the
/// network's `SparseDense` layers (an Erdős–Rényi initial pattern, which for fully connected
/// layers is what RigL's ERK distribution gives) and its convolutions with a mask (their
/// unfolded `filters × C·kh·kw` weights, `RigL+Convolutions`); the optimiser's state follows
/// every surviving connection and starts at 0 for a grown one (`PositionMap`), as SET's
/// rewiring does.
///
/// The gradient is taken in evaluation mode (no dropout) on the step's samples after the step's
/// update — RigL's reference takes the gradient of the same batch before its update; both are
/// the batch's gradient at the current weights up to one step.
/// - Complexity: per update, one forward and backward pass of the batch, one `sgemm` per sparse
///   layer (`out × in`), and O(out · in log(out · in)) to rank.
public struct RigL: Sendable, Equatable {
    /// `α`: the fraction updated at step 0.
    public var dropFraction: Double
    /// `ΔT`: steps between updates.
    public var frequency: Int
    /// The last step that updates (`T_end`; the cosine reaches 0 there).
    public var endStep: Int

    public init(dropFraction: Double = 0.3, frequency: Int = 100, endStep: Int) {
        (self.dropFraction, self.frequency, self.endStep) = (dropFraction, frequency, endStep)
    }

    public var problem: String? {
        guard dropFraction >= 0, dropFraction <= 1 else { return "drop fraction \(dropFraction) is outside [0, 1]" }
        guard frequency > 0, endStep >= 0 else { return "frequency \(frequency) must be positive and the end step \(endStep) non-negative" }
        return nil
    }

    /// `f(t)`, 0 after `endStep`.
    public func fraction(afterStep t: Int) -> Double {
        guard t <= endStep, endStep > 0 else { return 0 }
        return dropFraction / 2 * (1 + cos(Double.pi * Double(t) / Double(endStep)))
    }

    /// Whether the connections are updated after `step` steps.
    public func updates(afterStep step: Int) -> Bool { step > 0 && step <= endStep && step % frequency == 0 }

    /// One update of every sparse layer of `model` after `step` steps, its gradients taken on
    /// `features`/`labels`; returns each layer's position and the connections moved.
    @discardableResult
    public func update(
        _ model: inout Network, afterStep step: Int, features: Matrix<Float>, labels: [Int32], optimizer: inout any Optimizer
    ) -> [(position: Int, moved: Int)] {
        let f = fraction(afterStep: step)
        let sparse = model.sparseLayerPositions, convolutions = Self.maskedConvolutionPositions(of: model)
        guard f > 0, !(sparse.isEmpty && convolutions.isEmpty) else { return [] }
        let (activations, gradients) = model.activationGradients(features: features, labels: labels)
        var moved = [(position: Int, moved: Int)]()
        for p in convolutions {
            let count = Self.updateConvolution(
                &model, at: p, fraction: f, activations: activations, outputGradient: gradients[p + 1], optimizer: &optimizer)
            moved.append((p, count))
        }
        for p in sparse {
            let input = activations[model.architecture.inputs[p][0]], delta = gradients[p + 1]
            // G = δᵀ X: out × in.
            let g = delta.multiplied(by: input, transposingSelf: true)
            let index = TrainingSession.parameterIndices(of: model, layer: p).lowerBound
            let count = model.modifyLayer(at: p, as: SparseDense.self) { layer -> Int in
                let k = Int((f * Double(layer.connectionCount)).rounded())
                guard k > 0 else { return 0 }
                let (drop, grow) = Self.choose(layer, gradient: g, count: k)
                var position = 0
                let dropped = layer.removeConnectionsMapped { _, _, _ in
                    defer { position += 1 }
                    return drop.contains(position)
                }
                let grown = layer.addConnections(grow, value: 0)
                optimizer.remapState(index: index, by: dropped.followed(by: grown))
                return k
            }
            moved.append((p, count))
        }
        return moved.sorted { $0.position < $1.position }
    }

    /// The `k` stored positions to drop (smallest `|w|`, ties to the lower position) and the `k`
    /// connections to grow: the largest `|G|` among the positions not stored after the drop,
    /// ties to the lower row-major position.
    static func choose(_ layer: SparseDense, gradient g: Matrix<Float>, count k: Int) -> (drop: Set<Int>, grow: [(output: Int, input: Int)]) {
        let values = layer.values
        let byMagnitude = values.indices.sorted { (abs(values[$0]), $0) < (abs(values[$1]), $1) }
        let drop = Set(byMagnitude.prefix(k))
        var stored = Set<Int>()
        for (s, c) in layer.pattern().enumerated() where !drop.contains(s) { stored.insert(c.output * layer.inputs + c.input) }
        let candidates = g.elements.indices.filter { !stored.contains($0) }
        let ranked = candidates.sorted { (abs(g.elements[$0]), -$0) > (abs(g.elements[$1]), -$1) }
        let grow = ranked.prefix(k).map { (output: $0 / layer.inputs, input: $0 % layer.inputs) }
        return (drop, grow)
    }
}

extension RigL {
    /// Trains `model` (whose `SparseDense` layers and masked convolutions RigL updates) for `settings.epochs`,
    /// updating after every step the schedule names, on that step's samples of `data.train`.
    public func train(
        _ model: inout Network, data: DataSplit, settings: TrainingSettings,
        onBatch: (Int, Int, Int) -> Void = { _, _, _ in }, onEpoch: (EpochRecord) -> Void = { _ in }
    ) throws -> [EpochRecord] {
        if let problem { throw EdgePruningError.invalidOption("rigl: \(problem)") }
        guard !(model.sparseLayerPositions.isEmpty && Self.maskedConvolutionPositions(of: model).isEmpty) else {
            throw EdgePruningError.invalidOption("rigl: the model has no sparse layers or masked convolutions to update")
        }
        var session = try TrainingSession(for: model, data: data, settings: settings)
        var history = [EpochRecord]()
        let train = data.train
        for _ in 0..<settings.epochs {
            let record = try session.runEpoch(&model, onBatch: onBatch) { step, samples, model, optimizer in
                guard updates(afterStep: step) else { return }
                var features = Matrix<Float>(rows: samples.count, columns: train.features.columns)
                var labels = [Int32](repeating: 0, count: samples.count)
                train.gather(samples, into: &features, labels: &labels)
                update(&model, afterStep: step, features: features, labels: labels, optimizer: &optimizer)
            }
            history.append(record)
            onEpoch(record)
        }
        return history
    }
}
