import GraphPruneIO
import GraphPruneNumerics

/// A fully connected (affine) layer, `Y = X Wᵀ + 1 bᵀ`, on batch-major activations.
///
/// **Orientation:** `weight` is `outputs × inputs`, as PyTorch's `nn.Linear` stores it — row `j`
/// holds the incoming weights of output neuron `j`. (A Keras kernel is `inputs × outputs`; pass
/// its `transposed()`.) `X` is `batch × inputs`, `Y` is `batch × outputs`, `1` is the all-ones
/// column of length `batch`.
///
/// Backward, for `G = ∂L/∂Y` (`batch × outputs`):
/// ```
/// ∂L/∂W = Gᵀ X        (outputs × inputs, one sgemm)
/// ∂L/∂b = Gᵀ 1        (column sums of G, one sgemv)
/// ∂L/∂X = G W         (batch × inputs, one sgemm)
/// ```
/// The parameter gradients live in the layer and are overwritten by every `backward`; their
/// buffers (and the ones vector of `∂L/∂b`) are allocated at initialisation or when the shape
/// or the batch grows, never per batch.
///
/// - Complexity: forward and backward are O(batch · inputs · outputs) flops, all in BLAS.
public struct Dense: Layer {
    /// `outputs × inputs`; row `j` = neuron `j`'s incoming weights.
    public var weight: Matrix<Float>
    /// One bias per output neuron.
    public var bias: [Float]
    /// `∂L/∂W` of the last `backward` (`outputs × inputs`).
    public private(set) var weightGradient: Matrix<Float>
    /// `∂L/∂b` of the last `backward` (`outputs`).
    public private(set) var biasGradient: [Float]
    /// All ones, at least `batch` long: the vector that sums the rows of `∂L/∂Y`.
    private var ones: [Float] = []

    /// A layer with the given `outputs × inputs` weights and `outputs` biases.
    public init(weight: Matrix<Float>, bias: [Float]) {
        precondition(bias.count == weight.rows, "Dense: \(weight.rows) outputs need \(weight.rows) biases, got \(bias.count)")
        self.weight = weight
        self.bias = bias
        weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        biasGradient = [Float](repeating: 0, count: weight.rows)
    }

    /// A layer of `inputs → outputs` with weights drawn by `initializer` from `generator`
    /// (row-major order) and zero biases.
    public init(inputs: Int, outputs: Int, initializer: Initializer, generator: inout SplitMix64) {
        self.init(
            weight: initializer.weights(outputs: outputs, inputs: inputs, generator: &generator),
            bias: [Float](repeating: 0, count: outputs))
    }

    /// Number of input features (`weight.columns`).
    public var inputs: Int { weight.columns }
    /// Number of output neurons (`weight.rows`).
    public var outputs: Int { weight.rows }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == weight.columns, "Dense expects \(weight.columns) inputs, got \(inputSize)")
        return weight.rows
    }

    /// `output ← input Wᵀ + 1 bᵀ`: the bias is broadcast into `output`, then one sgemm with β = 1.
    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        let (batch, n, k) = (input.rows, weight.rows, weight.columns)
        precondition(input.columns == k, "Dense expects \(k) inputs, got \(input.columns)")
        output.requireShape(batch, n, "Dense output buffer")
        guard batch > 0, n > 0 else { return }
        input.elements.withUnsafeBufferPointer { x in
            weight.elements.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    output.elements.withUnsafeMutableBufferPointer { y in
                        Dense.affine(x: x, w: w, b: b, y: y, batch: batch, inputs: k, outputs: n)
                    }
                }
            }
        }
    }

    /// `y ← 1 bᵀ` row by row, then `y ← x wᵀ + y` (sgemm). `x`: batch × inputs, `w`: outputs × inputs.
    private static func affine(
        x: UnsafeBufferPointer<Float>, w: UnsafeBufferPointer<Float>, b: UnsafeBufferPointer<Float>,
        y: UnsafeMutableBufferPointer<Float>, batch: Int, inputs: Int, outputs: Int
    ) {
        let yp = y.baseAddress!
        for r in 0..<batch { (yp + r * outputs).update(from: b.baseAddress!, count: outputs) }
        guard inputs > 0 else { return }
        Float.gemm(
            transposeA: false, transposeB: true, m: batch, n: outputs, k: inputs, alpha: 1,
            a: x.baseAddress!, lda: inputs, b: w.baseAddress!, ldb: inputs, beta: 1, c: yp, ldc: outputs)
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let (batch, n, k) = (input.rows, weight.rows, weight.columns)
        precondition(input.columns == k, "Dense expects \(k) inputs, got \(input.columns)")
        outputGradient.requireShape(batch, n, "Dense output gradient")
        let wantsInputGradient = !(inputGradient.rows == 0 && inputGradient.columns == 0 && batch > 0)
        precondition(!wantsInputGradient || (inputGradient.rows == batch && inputGradient.columns == k),
                     "Dense input gradient buffer is \(inputGradient.rows)×\(inputGradient.columns), needs \(batch)×\(k)")
        prepareBuffers(batch: batch)
        guard batch > 0, n > 0 else {
            // An empty sum: every gradient is zero.
            zeroFill(&weightGradient.elements)
            zeroFill(&biasGradient)
            zeroFill(&inputGradient.elements)
            return
        }
        outputGradient.elements.withUnsafeBufferPointer { g in
            ones.withUnsafeBufferPointer { o in
                biasGradient.withUnsafeMutableBufferPointer { db in
                    Float.gemv(transpose: true, m: batch, n: n, alpha: 1, a: g.baseAddress!, lda: n,
                               x: o.baseAddress!, beta: 0, y: db.baseAddress!)
                }
            }
            guard k > 0 else { return }
            input.elements.withUnsafeBufferPointer { x in
                weightGradient.elements.withUnsafeMutableBufferPointer { dw in
                    Float.gemm(transposeA: true, transposeB: false, m: n, n: k, k: batch, alpha: 1,
                               a: g.baseAddress!, lda: n, b: x.baseAddress!, ldb: k, beta: 0,
                               c: dw.baseAddress!, ldc: k)
                }
            }
            guard wantsInputGradient else { return }
            weight.elements.withUnsafeBufferPointer { w in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    Float.gemm(transposeA: false, transposeB: false, m: batch, n: k, k: n, alpha: 1,
                               a: g.baseAddress!, lda: n, b: w.baseAddress!, ldb: k, beta: 0,
                               c: dx.baseAddress!, ldc: k)
                }
            }
        }
    }

    /// A `0 × 0` input-gradient buffer skips `dX = dY W` (the first layer of a network).
    public var skipsInputGradient: Bool { true }

    /// Visits `weight` (row-major, `outputs × inputs`) with `∂L/∂W`, then `bias` with `∂L/∂b`.
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {
        body(&weight.elements, weightGradient.elements)
        body(&bias, biasGradient)
    }

    /// Reallocates the gradient buffers only if `weight` or `bias` changed shape (a rebuilt,
    /// pruned layer) and grows the ones vector only for a larger batch.
    private mutating func prepareBuffers(batch: Int) {
        if weightGradient.rows != weight.rows || weightGradient.columns != weight.columns {
            weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        }
        precondition(bias.count == weight.rows, "Dense: \(weight.rows) outputs need \(weight.rows) biases, got \(bias.count)")
        if biasGradient.count != bias.count { biasGradient = [Float](repeating: 0, count: bias.count) }
        if ones.count < batch { ones = [Float](repeating: 1, count: batch) }
    }
}

extension Dense {
    /// `weight` (out × in, PyTorch `nn.Linear`) and `bias`.
    public var stateTensors: [NamedTensor] { [NamedTensor("weight", Tensor(weight)), NamedTensor("bias", vector: bias)] }
    public var nonzeroConnections: Int { weight.nonzeroCount }
    public var maskedConnections: Int? { nil }
    public var connections: LayerConnections? { LayerConnections(weight: weight, gradient: weightGradient, mask: nil) }
}

extension Dense {
    /// The kept rows (`selection.outputs`) and the kept channels' input columns.
    public func restricted(to selection: UnitSelection) -> any Layer {
        Dense(weight: UnitSelection.gather(weight, rows: selection.outputs, columns: selection.inputFeatures),
              bias: UnitSelection.pick(bias, selection.outputs))
    }
}

extension Dense {
    /// The truly sparse layer of the weights where `mask` is nonzero (row-major order).
    public func keepingConnections(_ mask: Matrix<Float>) -> any Layer {
        SparseDense(masking: weight, by: mask, bias: bias)
    }
}

extension Dense {
    public var pathOperation: PathOperation { .affine(weight: weight, bias: bias) }
}
