/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
/// with PyTorch's `torch.optim.SGD` semantics (dampening 0):
/// ```
/// g ← ∇θ + λ θ                       (weight decay λ)
/// v ← μ v + g                        (momentum μ; v starts at 0, so the first v = g)
/// u = v,  or  u = g + μ v  (Nesterov)
/// θ ← θ − η u
/// ```
/// Without momentum `u = g` and no state is kept. The velocity of each parameter tensor is kept
/// under its visiting `index`, allocated on first use.
///
/// **Rewiring.** After a `SparseDense` layer is rewired, `remapState(index:by:)` with the
/// rewiring's `PositionMap` keeps the velocity of every surviving connection and starts the added
/// ones at 0. Without it, a tensor whose size changed since its last update gets a fresh zero
/// velocity of the new size (its momentum restarts, as in SET's and CenSET's reference code,
/// which rebuild the optimiser every epoch); a rewiring that keeps the count is **not** detected
/// by that fallback, so the caller must remap or start a fresh optimiser.
/// - Complexity: O(count) per `update` and per `remapState`, no allocation after the first step.
public struct SGD: Optimizer {
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Velocity per tensor index (empty until the tensor's first update).
    private(set) var velocities: [[Float]] = []

    public init(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(momentum >= 0, "SGD momentum must be ≥ 0, got \(momentum)")
        precondition(!nesterov || momentum > 0, "Nesterov SGD needs a positive momentum")
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public mutating func beginStep() {}

    public mutating func update(index: Int, values: inout [Float], gradient: [Float], learningRate: Float) {
        precondition(gradient.count == values.count, "tensor \(index): \(values.count) values, \(gradient.count) gradients")
        guard momentum != 0 else {
            SGD.plainStep(&values, gradient, rate: learningRate, decay: weightDecay)
            return
        }
        while velocities.count <= index { velocities.append([]) }
        if velocities[index].count != values.count {
            // First use, or a sparse layer rewired since the last step: the velocity restarts at 0.
            velocities[index] = [Float](repeating: 0, count: values.count)
        }
        SGD.momentumStep(&values, gradient, velocity: &velocities[index], rate: learningRate,
                         decay: weightDecay, momentum: momentum, nesterov: nesterov)
    }

    /// `v_new[k] = v_old[map[k]]`, or 0 for an added entry (see `Optimizer.remapState`).
    public mutating func remapState(index: Int, by map: PositionMap) {
        guard index < velocities.count, !velocities[index].isEmpty || map.oldCount == 0 else { return }
        velocities[index] = map.apply(to: velocities[index], fill: 0)
    }

    private static func plainStep(_ theta: inout [Float], _ grad: [Float], rate: Float, decay: Float) {
        grad.withUnsafeBufferPointer { g in
            theta.withUnsafeMutableBufferPointer { t in
                for i in 0..<t.count { t[i] -= rate * (g[i] + decay * t[i]) }
            }
        }
    }

    private static func momentumStep(
        _ theta: inout [Float], _ grad: [Float], velocity: inout [Float], rate: Float, decay: Float,
        momentum mu: Float, nesterov: Bool
    ) {
        grad.withUnsafeBufferPointer { g in
            theta.withUnsafeMutableBufferPointer { t in
                velocity.withUnsafeMutableBufferPointer { v in
                    for i in 0..<t.count {
                        let gi = g[i] + decay * t[i]
                        v[i] = mu * v[i] + gi
                        t[i] -= rate * (nesterov ? gi + mu * v[i] : v[i])
                    }
                }
            }
        }
    }
}
