/// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction and optional L2 weight decay added
/// to the gradient (PyTorch's `torch.optim.Adam(weight_decay:)`, not AdamW's decoupled decay):
/// ```
/// g ← ∇θ + λ θ
/// m ← β₁ m + (1 − β₁) g,     v ← β₂ v + (1 − β₂) g²
/// θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
/// `t` is the step counter, advanced by `beginStep()` (so the first step has t = 1). The
/// default ε = 1e-7 is Keras's (PyTorch uses 1e-8); note Keras adds ε to the *uncorrected* √v,
/// i.e. its ε equals this ε · √(1 − β₂ᵗ) — a difference of order ε that only matters when v ≈ 0.
/// The moments of each tensor are kept under its visiting `index`, allocated on first use.
///
/// **Rewiring.** After a `SparseDense` layer is rewired, `remapState(index:by:)` with the
/// rewiring's `PositionMap` keeps `m` and `v` of every surviving connection and starts the added
/// ones at 0. Without it, a tensor whose size changed since its last update gets fresh zero
/// moments of the new size. Either way the step count `t` (and so the bias correction) stays
/// global, as in PyTorch, so restarted moments are under-corrected for a while. SET's and
/// CenSET's reference code rebuild the optimiser every epoch, restarting all state. A rewiring
/// that keeps the count is **not** detected by the size fallback: remap, or start afresh.
/// - Complexity: O(count) per `update` and per `remapState`, no allocation after the first step.
public struct Adam: Optimizer {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Steps begun so far (t of the current step).
    public private(set) var step = 0
    private var firstMoments: [[Float]] = []
    private var secondMoments: [[Float]] = []

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7, weightDecay: Float = 0) {
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)")
        precondition(epsilon >= 0, "Adam epsilon must be ≥ 0")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public mutating func beginStep() { step += 1 }

    public mutating func update(index: Int, values: inout [Float], gradient: [Float], learningRate: Float) {
        precondition(step > 0, "Adam.update before beginStep()")
        precondition(gradient.count == values.count, "tensor \(index): \(values.count) values, \(gradient.count) gradients")
        while firstMoments.count <= index {
            firstMoments.append([])
            secondMoments.append([])
        }
        if firstMoments[index].count != values.count {
            // First use, or a sparse layer rewired since the last step: both moments restart at 0.
            firstMoments[index] = [Float](repeating: 0, count: values.count)
            secondMoments[index] = [Float](repeating: 0, count: values.count)
        }
        // Bias corrections in Double; the per-entry arithmetic is Float, as in PyTorch.
        let c1 = 1 - pow(Double(beta1), step)
        let c2 = 1 - pow(Double(beta2), step)
        let constants = Constants(
            beta1: beta1, beta2: beta2, stepSize: Float(Double(learningRate) / c1),
            inverseRootC2: Float(1 / c2.squareRoot()), epsilon: epsilon, decay: weightDecay)
        Adam.step(&values, gradient, m: &firstMoments[index], v: &secondMoments[index], constants)
    }

    /// `m_new[k] = m_old[map[k]]`, `v_new[k] = v_old[map[k]]`, or 0 for an added entry (see
    /// `Optimizer.remapState`); `t` is unchanged.
    public mutating func remapState(index: Int, by map: PositionMap) {
        guard index < firstMoments.count, !firstMoments[index].isEmpty || map.oldCount == 0 else { return }
        firstMoments[index] = map.apply(to: firstMoments[index], fill: 0)
        secondMoments[index] = map.apply(to: secondMoments[index], fill: 0)
    }

    private struct Constants {
        var beta1, beta2, stepSize, inverseRootC2, epsilon, decay: Float
    }

    private static func step(_ theta: inout [Float], _ grad: [Float], m: inout [Float], v: inout [Float], _ k: Constants) {
        grad.withUnsafeBufferPointer { g in
            theta.withUnsafeMutableBufferPointer { t in
                m.withUnsafeMutableBufferPointer { mp in
                    v.withUnsafeMutableBufferPointer { vp in
                        for i in 0..<t.count {
                            let gi = g[i] + k.decay * t[i]
                            mp[i] = k.beta1 * mp[i] + (1 - k.beta1) * gi
                            vp[i] = k.beta2 * vp[i] + (1 - k.beta2) * gi * gi
                            t[i] -= k.stepSize * mp[i] / (vp[i].squareRoot() * k.inverseRootC2 + k.epsilon)
                        }
                    }
                }
            }
        }
    }

    /// `xⁿ` for a step count n ≥ 0, by repeated squaring.
    private func pow(_ x: Double, _ n: Int) -> Double {
        var (result, base, e) = (1.0, x, n)
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
