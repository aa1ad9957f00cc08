import GraphPruneIO
import GraphPruneNumerics

/// A truly sparse fully connected layer, `Y = X Wᵀ + 1 bᵀ`, of which only the connections in
/// its pattern exist: weights and their gradients are stored for those connections only
/// (SET / CenSET layers, pruned layers that are trained on).
///
/// **Orientation:** `W` is `outputs × inputs` as in `Dense` (PyTorch's `nn.Linear`): row `j`
/// holds output neuron `j`'s incoming weights. It is stored in compressed sparse rows — the
/// connections of output `j` are `k ∈ rowStarts[j] ..< rowStarts[j + 1]`, going to input
/// `columns[k]` (strictly increasing within a row) with weight `values[k]`. `X` is
/// `batch × inputs`, `Y` is `batch × outputs`, both batch-major like every layer's activations.
///
/// With `S` the set of stored positions `(j, i)` and `G = ∂L/∂Y`:
/// ```
/// Y[b, j]   = b_j + Σ_{(j,i)∈S} W_ji X[b, i]
/// ∂L/∂W_ji  = Σ_b G[b, j] X[b, i]            for (j, i) ∈ S only
/// ∂L/∂b_j   = Σ_b G[b, j]
/// ∂L/∂X[b, i] = Σ_{(j,i)∈S} G[b, j] W_ji     (G W)
/// ```
/// which is exactly `Dense` with the weight matrix `denseWeight()` (zeros off the pattern), its
/// weight gradient restricted to the pattern.
///
/// **Evaluation.** Below 15 % density (`execution`, `SparseDense+DenseExecution`) the products
/// run on feature-major copies (`Xᵀ`, `Gᵀ`, `inputs × batch` and `outputs × batch`), so that each
/// stored weight costs contiguous loads of length `batch` (`SparseDense+Kernels` holds tiles of an
/// output row in registers). Forward and `∂L/∂X` split the **batch** over the cores, each thread
/// transposing, multiplying and transposing back its own samples in one parallel region (`∂L/∂X`
/// walks a column-major view of the pattern: per input, the stored positions that reach it);
/// `∂L/∂W`, `∂L/∂b` split the output rows. Every result entry is summed by one thread in a fixed
/// order, so results are bitwise the same for every thread count. At 15 % and above, a masked
/// dense `sgemm` is faster and is used instead (same mathematics, OpenBLAS's summation order).
/// The scratch buffers live in the layer and grow only when the batch grows: a training step
/// allocates nothing.
///
/// **Rewiring** (`rewire(removing:adding:values:)`, `removeConnectionsMapped(where:)`,
/// `addConnections`) returns a `PositionMap` from new storage positions to old ones;
/// `Optimizer.remapState(index:by:)` carries the survivors' momentum over and starts new
/// connections at 0 (`TrainingSession.remapOptimizerState`). An optimiser that sees a tensor
/// change size without a remap restarts its state.
///
/// - Complexity: forward and backward are O(batch · (nnz + inputs + outputs)), nnz =
///   `connectionCount`; memory O(nnz + batch · (inputs + outputs)).
public struct SparseDense: Layer {
    /// Number of input features.
    public let inputs: Int
    /// Number of output neurons.
    public let outputs: Int
    /// `outputs + 1` offsets into `columns` and `values`; row `j` is `rowStarts[j] ..< rowStarts[j + 1]`.
    public internal(set) var rowStarts: [Int]
    /// The input of each stored connection, strictly increasing within a row.
    public internal(set) var columns: [Int32]
    /// The weight of each stored connection (in the order of `columns`). Its count must stay
    /// `connectionCount`; change the pattern only through the rewiring methods.
    public var values: [Float] { didSet { denseEngineIsCurrent = false } }
    /// One bias per output neuron.
    public var bias: [Float] { didSet { denseEngineIsCurrent = false } }
    /// `∂L/∂W` at the stored connections, from the last `backward` (aligned with `values`).
    public internal(set) var weightGradient: [Float]
    /// `∂L/∂b` of the last `backward`.
    public internal(set) var biasGradient: [Float]
    /// Which products `forward` and `backward` run (`SparseDense+DenseExecution`): by default the
    /// CSR kernels below 15 % density and a masked dense `sgemm` above. Not part of the model (not
    /// saved in checkpoints).
    public var execution: SparseExecution = .automatic
    /// The `Dense` that ran the last forward's masked dense products, kept between steps; nil
    /// after a CSR forward (so `backward` takes the path its forward took) and after any change
    /// of the pattern (so its weights are zero off the pattern without re-zeroing every step).
    var denseEngine: Dense?
    /// Whether `denseEngine` holds the current `values` and `bias` (cleared by every assignment
    /// or in-place change of either), so that evaluation passes do not scatter them again.
    var denseEngineIsCurrent = false

    /// Column-major view of the pattern: the stored connections reaching input `i` are
    /// `e ∈ columnStarts[i] ..< columnStarts[i + 1]`, from output `columnRows[e]`, weight
    /// `values[columnPositions[e]]`, in increasing output order. Rebuilt when the pattern changes.
    package var columnStarts: [Int] = []
    package var columnRows: [Int32] = []
    var columnPositions: [Int32] = []

    /// Feature-major scratch: `Xᵀ` (inputs × batch), `(∂L/∂X)ᵀ` (inputs × batch), and `Yᵀ` in
    /// forward / `Gᵀ` in backward (outputs × batch). Grown only for a larger batch.
    private var inputMajor: [Float] = []
    private var inputGradientMajor: [Float] = []
    private var outputMajor: [Float] = []

    // MARK: Construction

    /// A layer of `inputs → outputs` with the given connections `(output, input)` (any order, no
    /// duplicates), their `values` (same order; default 0) and `bias` (default 0).
    /// - Complexity: O(nnz log nnz + inputs + outputs); O(nnz) if the connections are sorted.
    public init(
        inputs: Int, outputs: Int, connections: [(output: Int, input: Int)], values: [Float]? = nil,
        bias: [Float]? = nil
    ) {
        precondition(inputs >= 0 && outputs >= 0, "SparseDense: negative shape \(outputs)×\(inputs)")
        precondition(inputs <= Int(Int32.max), "SparseDense: \(inputs) inputs do not fit Int32 columns")
        precondition(values == nil || values!.count == connections.count,
                     "SparseDense: \(connections.count) connections need \(connections.count) values, got \(values!.count)")
        for c in connections {
            precondition(c.output >= 0 && c.output < outputs && c.input >= 0 && c.input < inputs,
                         "SparseDense: connection (\(c.output), \(c.input)) outside \(outputs)×\(inputs)")
        }
        var order = Array(connections.indices)
        let isSorted = zip(connections, connections.dropFirst()).allSatisfy { ($0.output, $0.input) < ($1.output, $1.input) }
        if !isSorted {
            order.sort { (connections[$0].output, connections[$0].input) < (connections[$1].output, connections[$1].input) }
            for (a, b) in zip(order, order.dropFirst()) {
                precondition(connections[a] != connections[b],
                             "SparseDense: duplicate connection (\(connections[a].output), \(connections[a].input))")
            }
        }
        var starts = [Int](repeating: 0, count: outputs + 1)
        for c in connections { starts[c.output + 1] += 1 }
        for j in 0..<outputs { starts[j + 1] += starts[j] }
        self.init(
            inputs: inputs, outputs: outputs, rowStarts: starts,
            columns: order.map { Int32(connections[$0].input) },
            values: values.map { v in order.map { v[$0] } } ?? [Float](repeating: 0, count: connections.count),
            bias: bias ?? [Float](repeating: 0, count: outputs))
    }

    /// The nonzero entries of a dense `outputs × inputs` weight matrix (PyTorch orientation; pass a
    /// Keras kernel `transposed()`), with `bias` (default 0).
    /// - Complexity: O(inputs · outputs).
    public init(dense weight: Matrix<Float>, bias: [Float]? = nil) {
        var connections = [(output: Int, input: Int)](), kept = [Float]()
        for j in 0..<weight.rows {
            for i in 0..<weight.columns where weight[j, i] != 0 {
                connections.append((j, i))
                kept.append(weight[j, i])
            }
        }
        self.init(inputs: weight.columns, outputs: weight.rows, connections: connections, values: kept, bias: bias)
    }

    /// SET's sparse initialisation: an Erdős–Rényi pattern of density
    /// `min(1, ε (inputs + outputs) / (inputs · outputs))` (`ErdosRenyi.pattern`, one draw per
    /// position), then one `initializer` weight per kept connection in row-major order, with the
    /// **dense** fan-in and fan-out (Glorot limit `√(6 / (inputs + outputs))`, as Keras/SET draw
    /// the full kernel and mask it). Biases start at 0. Both draw from `generator`, pattern first.
    /// - Complexity: O(inputs · outputs) draws for the pattern, O(nnz) for the weights.
    public init(
        inputs: Int, outputs: Int, epsilon: Double, initializer: Initializer = .glorotUniform,
        generator: inout SplitMix64
    ) {
        let pattern = ErdosRenyi.pattern(inputs: inputs, outputs: outputs, epsilon: epsilon, generator: &generator)
        let weights = initializer.sparseValues(count: pattern.count, fanIn: inputs, fanOut: outputs, generator: &generator)
        self.init(inputs: inputs, outputs: outputs, connections: pattern, values: weights)
    }

    /// The designated initialiser, from consistent CSR arrays.
    private init(inputs: Int, outputs: Int, rowStarts: [Int], columns: [Int32], values: [Float], bias: [Float]) {
        precondition(bias.count == outputs, "SparseDense: \(outputs) outputs need \(outputs) biases, got \(bias.count)")
        precondition(values.count <= Int(Int32.max), "SparseDense: too many connections for Int32 positions")
        self.inputs = inputs
        self.outputs = outputs
        self.rowStarts = rowStarts
        self.columns = columns
        self.values = values
        self.bias = bias
        weightGradient = [Float](repeating: 0, count: values.count)
        biasGradient = [Float](repeating: 0, count: outputs)
        patternChanged()
    }

    // MARK: Pattern

    /// Number of stored connections (nnz).
    public var connectionCount: Int { columns.count }

    /// The stored connections `(output, input)` in row-major order (the order of `values`).
    public func pattern() -> [(output: Int, input: Int)] {
        var out = [(output: Int, input: Int)]()
        out.reserveCapacity(connectionCount)
        for j in 0..<outputs {
            for k in rowStarts[j]..<rowStarts[j + 1] { out.append((j, Int(columns[k]))) }
        }
        return out
    }

    /// The `outputs × inputs` weight matrix with zeros off the pattern (for tests, graphs, export).
    public func denseWeight() -> Matrix<Float> {
        var w = Matrix<Float>(rows: outputs, columns: inputs)
        for j in 0..<outputs {
            for k in rowStarts[j]..<rowStarts[j + 1] { w[j, Int(columns[k])] = values[k] }
        }
        return w
    }

    /// Whether `(output, input)` is stored. O(log(row length)).
    public func contains(output: Int, input: Int) -> Bool {
        position(output: output, input: input) != nil
    }

    /// The index into `values` of a stored connection, or nil. O(log(row length)).
    public func position(output: Int, input: Int) -> Int? {
        precondition(output >= 0 && output < outputs && input >= 0 && input < inputs,
                     "SparseDense: (\(output), \(input)) outside \(outputs)×\(inputs)")
        let k = lowerBound(row: output, input: input)
        return k < rowStarts[output + 1] && Int(columns[k]) == input ? k : nil
    }

    /// Stored connections per output neuron (its in-degree).
    public func incomingConnectionCounts() -> [Int] {
        (0..<outputs).map { rowStarts[$0 + 1] - rowStarts[$0] }
    }

    /// Stored connections per input feature (its out-degree).
    public func outgoingConnectionCounts() -> [Int] {
        (0..<inputs).map { columnStarts[$0 + 1] - columnStarts[$0] }
    }

    /// First position in row `row` whose column is ≥ `input`.
    func lowerBound(row: Int, input: Int) -> Int {
        var (low, high) = (rowStarts[row], rowStarts[row + 1])
        while low < high {
            let mid = (low + high) / 2
            if Int(columns[mid]) < input { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Layer

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == inputs, "SparseDense expects \(inputs) inputs, got \(inputSize)")
        return outputs
    }

    /// `output ← input Wᵀ + 1 bᵀ` over the stored weights. The batch is split over the cores
    /// (one parallel region): each thread transposes blocks of its samples' rows of `X` into
    /// `Xᵀ`, computes their columns of `Yᵀ` (`Yᵀ[j, s] = b_j + Σ_k W_k Xᵀ[columns[k], s]`) and
    /// transposes them back into `Y`. Every entry is one sample's sum in storage order, whatever
    /// the split.
    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        let batch = input.rows
        precondition(input.columns == inputs, "SparseDense expects \(inputs) inputs, got \(input.columns)")
        output.requireShape(batch, outputs, "SparseDense output buffer")
        checkCounts()
        guard batch > 0, outputs > 0 else { return }
        if inputs > 0 && runsDense { return forwardDense(input, into: &output, training: training, generator: &generator) }
        denseEngine = nil  // the backward follows the forward's path; a CSR layer holds no dense copy
        reserveScratch(batch: batch)
        let (n, m) = (inputs, outputs)
        let work = (connectionCount + n + m) * batch
        input.elements.withUnsafeBufferPointer { x in
            inputMajor.withUnsafeMutableBufferPointer { xt in
                outputMajor.withUnsafeMutableBufferPointer { yt in
                    rowStarts.withUnsafeBufferPointer { starts in
                        columns.withUnsafeBufferPointer { cols in
                            values.withUnsafeBufferPointer { w in
                                bias.withUnsafeBufferPointer { b in
                                    output.elements.withUnsafeMutableBufferPointer { y in
                                        let (xt, yt, y) = (xt.baseAddress!, yt.baseAddress!, y.baseAddress!)
                                        SparseDense.forEachShare(ofBatch: batch, work: work) { samples in
                                            // Blocks of at most `forwardBlock` samples, each feature-major on its own
                                            // (`Xᵀ` block `n × count` at offset `s0·n`), so that an evaluation batch of
                                            // 1000 stays in cache like a training batch.
                                            var s0 = samples.lowerBound
                                            while s0 < samples.upperBound {
                                                let count = min(SparseDense.forwardBlock, samples.upperBound - s0)
                                                let (xb, yb) = (xt + s0 &* n, yt + s0 &* m)
                                                if n > 0 {
                                                    SparseDense.transpose(x.baseAddress! + s0 &* n, rows: count, columns: n, sourceStride: n,
                                                                          into: xb, destinationStride: count)
                                                }
                                                SparseDense.affineRows(
                                                    starts: starts, columns: cols, values: w, bias: b,
                                                    inputMajor: xb, into: yb, batch: count, samples: 0..<count)
                                                SparseDense.transpose(yb, rows: m, columns: count, sourceStride: count,
                                                                      into: y + s0 &* m, destinationStride: m)
                                                s0 &+= count
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Given `G = ∂L/∂Y`, in two parallel regions. First the batch is split over the cores: each
    /// thread transposes its samples' rows of `X` and `G` into `Xᵀ`, `Gᵀ` and, unless skipped,
    /// computes their columns of `(∂L/∂X)ᵀ[i, s] = Σ_{(j,i)∈S} W_ji Gᵀ[j, s]` over the column view
    /// and transposes them back. Then the output rows are split: `∂L/∂b_j = Σ_b Gᵀ[j, b]` and
    /// `∂L/∂W_k = ⟨Gᵀ[j, :], Xᵀ[columns[k], :]⟩` for row `j`'s connections.
    /// A `0 × 0` `inputGradient` (with a non-empty batch) means `∂L/∂X` is not needed: skipped.
    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let batch = input.rows
        precondition(input.columns == inputs, "SparseDense expects \(inputs) inputs, got \(input.columns)")
        outputGradient.requireShape(batch, outputs, "SparseDense output gradient")
        let wantsInputGradient = !(inputGradient.rows == 0 && inputGradient.columns == 0 && batch > 0)
        precondition(!wantsInputGradient || (inputGradient.rows == batch && inputGradient.columns == inputs),
                     "SparseDense input gradient buffer is \(inputGradient.rows)×\(inputGradient.columns), needs \(batch)×\(inputs)")
        checkCounts()
        guard batch > 0, outputs > 0, inputs > 0 else {
            // An empty sum (or no weights at all): the gradients are zero or sums over no rows.
            zeroFill(&weightGradient)
            zeroFill(&biasGradient)
            zeroFill(&inputGradient.elements)
            for b in 0..<batch { for j in 0..<outputs { biasGradient[j] += outputGradient[b, j] } }
            return
        }
        if denseEngine != nil {
            // The matching forward ran dense (a CSR forward releases the engine).
            return backwardDense(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient)
        }
        reserveScratch(batch: batch)
        let (n, m) = (inputs, outputs)
        let work = ((wantsInputGradient ? connectionCount : 0) + 2 * n + m) * batch
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputMajor.withUnsafeMutableBufferPointer { xt in
                    outputMajor.withUnsafeMutableBufferPointer { gt in
                        inputGradientMajor.withUnsafeMutableBufferPointer { dxt in
                            columnStarts.withUnsafeBufferPointer { starts in
                                columnRows.withUnsafeBufferPointer { rows in
                                    columnPositions.withUnsafeBufferPointer { positions in
                                        values.withUnsafeBufferPointer { w in
                                            inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                                                let (xt, gt, dxt) = (xt.baseAddress!, gt.baseAddress!, dxt.baseAddress!)
                                                let (x, g, dx) = (x.baseAddress!, g.baseAddress!, dx.baseAddress)
                                                SparseDense.forEachShare(ofBatch: batch, work: work) { samples in
                                                    let (s0, count) = (samples.lowerBound, samples.count)
                                                    SparseDense.transpose(x + s0 &* n, rows: count, columns: n, sourceStride: n,
                                                                          into: xt + s0, destinationStride: batch)
                                                    SparseDense.transpose(g + s0 &* m, rows: count, columns: m, sourceStride: m,
                                                                          into: gt + s0, destinationStride: batch)
                                                    guard wantsInputGradient, let dx else { return }
                                                    SparseDense.gradientColumns(
                                                        starts: starts, rows: rows, positions: positions, values: w,
                                                        gradientMajor: gt, into: dxt, batch: batch, samples: samples)
                                                    SparseDense.transpose(dxt + s0, rows: n, columns: count, sourceStride: batch,
                                                                          into: dx + s0 &* n, destinationStride: n)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        inputMajor.withUnsafeBufferPointer { xt in
            outputMajor.withUnsafeBufferPointer { gt in
                rowStarts.withUnsafeBufferPointer { starts in
                    columns.withUnsafeBufferPointer { cols in
                        weightGradient.withUnsafeMutableBufferPointer { dw in
                            biasGradient.withUnsafeMutableBufferPointer { db in
                                SparseDense.gradientRows(
                                    starts: starts, columns: cols, inputMajor: xt.baseAddress!,
                                    gradientMajor: gt.baseAddress!, weightGradient: dw, biasGradient: db, batch: batch)
                            }
                        }
                    }
                }
            }
        }
    }

    /// A `0 × 0` input-gradient buffer skips `∂L/∂X` (a sparse first layer, as in SET).
    public var skipsInputGradient: Bool { true }

    /// Visits `values` (the stored weights, row-major order) with `∂L/∂W` at them, then `bias`
    /// with `∂L/∂b`. The first tensor's length changes when the layer is rewired.
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {
        checkCounts()
        body(&values, weightGradient)
        body(&bias, biasGradient)
    }

    // MARK: Buffers

    /// Samples per feature-major block in `forward` (a block of `Xᵀ` for 784 inputs is 300 KB).
    static let forwardBlock = 96

    private func checkCounts() {
        precondition(values.count == connectionCount,
                     "SparseDense: \(connectionCount) connections but \(values.count) values; rewire with add/removeConnections")
        precondition(bias.count == outputs, "SparseDense: \(outputs) outputs need \(outputs) biases, got \(bias.count)")
    }

    /// Grows the feature-major scratch for `batch` rows (never shrinks; never empty, so every
    /// buffer has a base address even for a layer without inputs).
    private mutating func reserveScratch(batch: Int) {
        let inputCount = max(1, inputs * batch), outputCount = max(1, outputs * batch)
        if inputMajor.count < inputCount {
            inputMajor = [Float](repeating: 0, count: inputCount)
            inputGradientMajor = [Float](repeating: 0, count: inputCount)
        }
        if outputMajor.count < outputCount { outputMajor = [Float](repeating: 0, count: outputCount) }
    }
}

extension SparseDense {
    /// `weight` (out × in, zeros where no connection exists), `mask` (1 where a connection
    /// exists — it may hold the weight 0, e.g. just regrown) and `bias`.
    public var stateTensors: [NamedTensor] {
        [NamedTensor("weight", Tensor(denseWeight())), NamedTensor("weight_mask", Tensor(patternMask())),
         NamedTensor("bias", vector: bias)]
    }
    public var nonzeroConnections: Int { connectionCount }
    public var maskedConnections: Int? { connectionCount }
    public var connections: LayerConnections? {
        var gradient = Matrix<Float>(rows: outputs, columns: inputs)
        for (k, c) in pattern().enumerated() { gradient[c.output, c.input] = weightGradient[k] }
        return LayerConnections(weight: denseWeight(), gradient: gradient, mask: patternMask())
    }

    /// 1 where a connection exists, out × in. O(inputs · outputs).
    public func patternMask() -> Matrix<Float> {
        var mask = Matrix<Float>(rows: outputs, columns: inputs)
        for c in pattern() { mask[c.output, c.input] = 1 }
        return mask
    }
}

extension SparseDense {
    /// The stored connections among the kept rows and the kept channels' input columns, with
    /// their weights, re-indexed: the layer stays sparse.
    /// - Complexity: O(nnz + inputs + outputs).
    public func restricted(to selection: UnitSelection) -> any Layer {
        let rows = selection.outputs ?? Array(0..<outputs)
        let columns = selection.inputFeatures
        var newColumn = [Int](repeating: -1, count: inputs)
        if let columns {
            for (k, column) in columns.enumerated() { newColumn[column] = k }
        } else {
            for i in 0..<inputs { newColumn[i] = i }
        }
        var connections = [(output: Int, input: Int)](), kept = [Float]()
        for (a, row) in rows.enumerated() {
            for k in rowStarts[row]..<rowStarts[row + 1] {
                let column = newColumn[Int(self.columns[k])]
                if column >= 0 {
                    connections.append((a, column))
                    kept.append(values[k])
                }
            }
        }
        return SparseDense(
            inputs: columns?.count ?? inputs, outputs: rows.count, connections: connections, values: kept,
            bias: UnitSelection.pick(bias, selection.outputs))
    }
}

extension SparseDense {
    /// The sparse layer of the weights (its dense view) where `mask` is nonzero.
    public func keepingConnections(_ mask: Matrix<Float>) -> any Layer {
        SparseDense(masking: denseWeight(), by: mask, bias: bias)
    }

    /// A layer with the connections where `mask` is nonzero (row-major order), their values
    /// from `weight` (out × in, the mask's shape) and `bias`.
    /// - Complexity: O(out · in).
    public init(masking weight: Matrix<Float>, by mask: Matrix<Float>, bias: [Float]) {
        mask.requireShape(weight.rows, weight.columns, "SparseDense mask")
        var connections = [(output: Int, input: Int)](), values = [Float]()
        for e in mask.elements.indices where mask.elements[e] != 0 {
            connections.append((e / weight.columns, e % weight.columns))
            values.append(weight.elements[e])
        }
        self.init(inputs: weight.columns, outputs: weight.rows, connections: connections, values: values, bias: bias)
    }
}

extension SparseDense {
    public var pathOperation: PathOperation { .affine(weight: denseWeight(), bias: bias) }
}
