import GraphPruneIO
import GraphPruneNumerics

/// A connection mask for a convolution: unstructured (edge) pruning of its unfolded weight matrix.
///
/// **Orientation.** The mask has the shape of ``Conv2D/weight``, `filters × (C·kh·kw)` (out × in,
/// row `f` = filter `f` flattened in `(c, i, j)` order); entry 1 keeps the connection, 0 prunes it.
/// A checkpoint stores it as `layers.{i}.mask` in PyTorch's OIHW shape (the same C-order storage).
///
/// **What is kept invariant.** With `M` the mask, the layer computes the convolution of `W ⊙ M`
/// and trains only the kept weights:
/// ```
/// W ← W ⊙ M              on every assignment of `weight` (its `didSet`), so also after each
///                        optimiser update through `visitParameters`
/// ∂L/∂W ← (G · colᵀ) ⊙ M in `backward`
/// ```
/// Because the masked weights are exactly 0, the forward pass needs no extra work (the sgemm of
/// `W` already is the product with `W ⊙ M`), and because their gradient is 0, an optimiser's
/// state for them stays 0: SGD momentum `v ← μ v + (g + λ w)` and Adam's moments see `g = 0`,
/// `w = 0`. The re-zeroing after each update guards against anything else that writes weights.
/// This is cheaper than multiplying by the mask in every forward: two O(F·K) passes per training
/// step against the O(B·F·K·P) products.
///
/// - Complexity: O(F·K) per masking pass.
extension Conv2D {
    /// A layer with the given weights, biases and `mask` (`filters × C·kh·kw`, nonzero = kept);
    /// the weights off the mask are set to 0.
    public init(
        input: ImageShape, kernel: (height: Int, width: Int), weight: Matrix<Float>, bias: [Float],
        padding: Padding, mask: Matrix<Float>?
    ) {
        self.init(input: input, kernel: kernel, weight: weight, bias: bias, padding: padding)
        setMask(mask)
    }

    /// Installs (or with nil removes) the connection mask, normalised to 0/1, and zeroes the
    /// weights it prunes. Traps unless the mask has the weight's shape.
    public mutating func setMask(_ newMask: Matrix<Float>?) {
        guard let newMask else { mask = nil; return }
        newMask.requireShape(weight.rows, weight.columns, "Conv2D mask")
        mask = Matrix(rows: newMask.rows, columns: newMask.columns, elements: newMask.elements.map { $0 != 0 ? 1 : 0 })
        // Any write to `weight` runs its `didSet`, which multiplies by the mask.
        weight.elements.withUnsafeMutableBufferPointer { _ in }
    }

    /// Kept connections: the mask's ones, or every weight without a mask.
    public var connectionCount: Int {
        guard let mask else { return weight.elements.count }
        return mask.elements.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    }

    /// `∂L/∂W` at every position, the masked ones included (`G·colᵀ` summed over the batch,
    /// `filters × C·kh·kw`): the gradient a pruned connection would get if it existed, which
    /// RigL grows by. `input`, `output` and `outputGradient` are what `backward` takes; the
    /// layer itself is unchanged.
    /// - Complexity: one backward pass of the layer without the input gradient.
    public func unmaskedWeightGradient(input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>) -> Matrix<Float> {
        var copy = self
        copy.mask = nil
        var noInputGradient = Matrix<Float>(rows: 0, columns: 0)
        copy.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &noInputGradient)
        return copy.weightGradient
    }

    /// `∂L/∂W ← ∂L/∂W ⊙ M` (no-op without a mask).
    mutating func maskGradient() {
        guard let mask else { return }
        Conv2D.multiply(&weightGradient.elements, by: mask.elements)
    }

    /// `values ← values ⊙ mask`, entrywise.
    static func multiply(_ values: inout [Float], by mask: [Float]) {
        precondition(values.count == mask.count, "Conv2D mask has \(mask.count) entries, the weights \(values.count)")
        mask.withUnsafeBufferPointer { m in
            values.withUnsafeMutableBufferPointer { v in
                for k in 0..<v.count { v[k] *= m[k] }
            }
        }
    }
}
