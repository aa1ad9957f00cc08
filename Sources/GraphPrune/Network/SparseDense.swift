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
/// **Evaluation.** The products run on feature-major copies (`Xᵀ`, `Gᵀ`, `inputs × batch` and
/// `outputs × batch`), so that each stored weight costs one contiguous axpy or dot product of
/// length `batch`: forward and `∂L/∂W`, `∂L/∂b` split the output rows over the cores, `∂L/∂X`
/// splits the input columns, walking a column-major view of the pattern (per input, the stored
/// positions that reach it). Every result entry is summed by one thread in storage order, so
/// results are bitwise the same for every thread count. The feature-major scratch buffers live in
/// the layer and grow only when the batch grows: a training step allocates nothing.
///
/// **Rewiring** (`removeConnections(where:)`, `addConnections(_:value:)`) changes
/// `connectionCount` and so the length of the first parameter tensor: optimisers reset that
/// tensor's state (see `SGD`, `Adam`).
///
/// - Complexity: forward and backward are O(batch · (nnz + inputs + outputs)), nnz =
///   `connectionCount`; memory O(nnz + batch · (inputs + outputs)).
public struct SparseDense: Layer {
    /// Number of input features.
    public let inputs: Int
    /// Number of output neurons.
    public let outputs: Int
    /// `outputs + 1` offsets into `columns` and `values`; row `j` is `rowStarts[j] ..< rowStarts[j + 1]`.
    public private(set) var rowStarts: [Int]
    /// The input of each stored connection, strictly increasing within a row.
    public private(set) var columns: [Int32]
    /// The weight of each stored connection (in the order of `columns`). Its count must stay
    /// `connectionCount`; change the pattern only through the rewiring methods.
    public var values: [Float]
    /// One bias per output neuron.
    public var bias: [Float]
    /// `∂L/∂W` at the stored connections, from the last `backward` (aligned with `values`).
    public private(set) var weightGradient: [Float]
    /// `∂L/∂b` of the last `backward`.
    public private(set) var biasGradient: [Float]

    /// Column-major view of the pattern: the stored connections reaching input `i` are
    /// `e ∈ columnStarts[i] ..< columnStarts[i + 1]`, from output `columnRows[e]`, weight
    /// `values[columnPositions[e]]`, in increasing output order. Rebuilt when the pattern changes.
    private var columnStarts: [Int] = []
    private var columnRows: [Int32] = []
    private var columnPositions: [Int32] = []

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
        rebuildColumnView()
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
    private func lowerBound(row: Int, input: Int) -> Int {
        var (low, high) = (rowStarts[row], rowStarts[row + 1])
        while low < high {
            let mid = (low + high) / 2
            if Int(columns[mid]) < input { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Rewiring

    /// Removes every connection for which `shouldRemove(output, input, value)` holds (asked once
    /// per connection, in row-major order) and returns how many were removed. The remaining
    /// connections keep their values, gradients and order.
    /// - Complexity: O(nnz + inputs).
    @discardableResult
    public mutating func removeConnections(where shouldRemove: (_ output: Int, _ input: Int, _ value: Float) -> Bool) -> Int {
        let before = connectionCount
        var write = 0, readStart = 0
        for j in 0..<outputs {
            let readEnd = rowStarts[j + 1]
            for k in readStart..<readEnd where !shouldRemove(j, Int(columns[k]), values[k]) {
                columns[write] = columns[k]
                values[write] = values[k]
                weightGradient[write] = weightGradient[k]
                write += 1
            }
            readStart = readEnd
            rowStarts[j + 1] = write
        }
        columns.removeLast(before - write)
        values.removeLast(before - write)
        weightGradient.removeLast(before - write)
        rebuildColumnView()
        return before - write
    }

    /// Adds the connections `new` (any order), all with weight `value` and gradient 0, keeping
    /// every row sorted. Adding a connection that is already stored, or twice, is a programming
    /// error (trap). Existing connections keep their values and gradients.
    /// - Complexity: O(nnz + m log m + inputs) for m new connections.
    public mutating func addConnections(_ new: [(output: Int, input: Int)], value: Float = 0) {
        guard !new.isEmpty else { return }
        for c in new {
            precondition(c.output >= 0 && c.output < outputs && c.input >= 0 && c.input < inputs,
                         "SparseDense: connection (\(c.output), \(c.input)) outside \(outputs)×\(inputs)")
        }
        let sorted = new.sorted { ($0.output, $0.input) < ($1.output, $1.input) }
        let total = connectionCount + sorted.count
        precondition(total <= Int(Int32.max), "SparseDense: too many connections for Int32 positions")
        var newColumns = [Int32](), newValues = [Float](), newGradient = [Float]()
        newColumns.reserveCapacity(total)
        newValues.reserveCapacity(total)
        newGradient.reserveCapacity(total)
        var newStarts = [Int](repeating: 0, count: outputs + 1)
        var n = 0
        for j in 0..<outputs {
            var k = rowStarts[j]
            let end = rowStarts[j + 1]
            while n < sorted.count && sorted[n].output == j {
                let input = sorted[n].input
                precondition(n + 1 == sorted.count || sorted[n + 1] != sorted[n],
                             "SparseDense: connection (\(j), \(input)) added twice")
                while k < end && Int(columns[k]) < input {
                    newColumns.append(columns[k]); newValues.append(values[k]); newGradient.append(weightGradient[k])
                    k += 1
                }
                precondition(k == end || Int(columns[k]) != input, "SparseDense: connection (\(j), \(input)) already exists")
                newColumns.append(Int32(input)); newValues.append(value); newGradient.append(0)
                n += 1
            }
            while k < end {
                newColumns.append(columns[k]); newValues.append(values[k]); newGradient.append(weightGradient[k])
                k += 1
            }
            newStarts[j + 1] = newColumns.count
        }
        rowStarts = newStarts
        columns = newColumns
        values = newValues
        weightGradient = newGradient
        rebuildColumnView()
    }

    /// Rebuilds the column-major view from the CSR arrays (a counting sort by input; within an
    /// input the outputs come out increasing). O(nnz + inputs).
    private mutating func rebuildColumnView() {
        var starts = [Int](repeating: 0, count: inputs + 1)
        for c in columns { starts[Int(c) + 1] += 1 }
        for i in 0..<inputs { starts[i + 1] += starts[i] }
        var rowsOut = [Int32](repeating: 0, count: columns.count)
        var positions = [Int32](repeating: 0, count: columns.count)
        var next = starts
        for j in 0..<outputs {
            for k in rowStarts[j]..<rowStarts[j + 1] {
                let i = Int(columns[k])
                rowsOut[next[i]] = Int32(j)
                positions[next[i]] = Int32(k)
                next[i] += 1
            }
        }
        columnStarts = starts
        columnRows = rowsOut
        columnPositions = positions
    }

    /// Traps unless the CSR arrays and the column view are consistent (for tests and debugging).
    func checkInvariants() {
        precondition(rowStarts.count == outputs + 1 && rowStarts.first == 0 && rowStarts.last == columns.count)
        precondition(values.count == columns.count && weightGradient.count == columns.count && bias.count == outputs)
        for j in 0..<outputs {
            precondition(rowStarts[j] <= rowStarts[j + 1])
            for k in rowStarts[j]..<rowStarts[j + 1] {
                precondition(columns[k] >= 0 && Int(columns[k]) < inputs, "column out of range")
                precondition(k == rowStarts[j] || columns[k - 1] < columns[k], "row \(j) not strictly increasing")
            }
        }
        precondition(columnStarts.count == inputs + 1 && columnStarts.last == columns.count)
        for i in 0..<inputs {
            for e in columnStarts[i]..<columnStarts[i + 1] {
                let k = Int(columnPositions[e]), j = Int(columnRows[e])
                precondition(Int(columns[k]) == i && k >= rowStarts[j] && k < rowStarts[j + 1], "column view out of date")
            }
        }
    }

    // MARK: Layer

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == inputs, "SparseDense expects \(inputs) inputs, got \(inputSize)")
        return outputs
    }

    /// `output ← input Wᵀ + 1 bᵀ` over the stored weights: `Xᵀ` into scratch, row `j` of `Yᵀ` =
    /// `b_j 1 + Σ_k W_k Xᵀ[columns[k], :]` (rows split over cores), then `Y = (Yᵀ)ᵀ`.
    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool,
        generator: inout SplitMix64
    ) {
        let batch = input.rows
        precondition(input.columns == inputs, "SparseDense expects \(inputs) inputs, got \(input.columns)")
        precondition(output.rows == batch && output.columns == outputs,
                     "SparseDense output buffer is \(output.rows)×\(output.columns), needs \(batch)×\(outputs)")
        checkCounts()
        guard batch > 0, outputs > 0 else { return }
        reserveScratch(batch: batch)
        let (n, m) = (inputs, outputs)
        input.elements.withUnsafeBufferPointer { x in
            inputMajor.withUnsafeMutableBufferPointer { xt in
                outputMajor.withUnsafeMutableBufferPointer { yt in
                    if n > 0 { SparseDense.transpose(x.baseAddress!, rows: batch, columns: n, into: xt.baseAddress!) }
                    rowStarts.withUnsafeBufferPointer { starts in
                        columns.withUnsafeBufferPointer { cols in
                            values.withUnsafeBufferPointer { w in
                                bias.withUnsafeBufferPointer { b in
                                    SparseDense.affineRows(
                                        starts: starts, columns: cols, values: w, bias: b,
                                        inputMajor: xt.baseAddress!, into: yt.baseAddress!, batch: batch)
                                }
                            }
                        }
                    }
                    output.elements.withUnsafeMutableBufferPointer { y in
                        SparseDense.transpose(yt.baseAddress!, rows: m, columns: batch, into: y.baseAddress!)
                    }
                }
            }
        }
    }

    /// Given `G = ∂L/∂Y`: `Xᵀ`, `Gᵀ` into scratch; per output row `j` (split over cores)
    /// `∂L/∂b_j = Σ_b Gᵀ[j, b]` and `∂L/∂W_k = ⟨Gᵀ[j, :], Xᵀ[columns[k], :]⟩`; per input `i`
    /// (split over cores) `(∂L/∂X)ᵀ[i, :] = Σ_{(j,i)∈S} W_ji Gᵀ[j, :]`; then the transpose.
    /// A `0 × 0` `inputGradient` (with a non-empty batch) means `∂L/∂X` is not needed: skipped.
    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>,
        inputGradient: inout Matrix<Float>
    ) {
        let batch = input.rows
        precondition(input.columns == inputs, "SparseDense expects \(inputs) inputs, got \(input.columns)")
        precondition(outputGradient.rows == batch && outputGradient.columns == outputs,
                     "SparseDense output gradient is \(outputGradient.rows)×\(outputGradient.columns), needs \(batch)×\(outputs)")
        let wantsInputGradient = !(inputGradient.rows == 0 && inputGradient.columns == 0 && batch > 0)
        precondition(!wantsInputGradient || (inputGradient.rows == batch && inputGradient.columns == inputs),
                     "SparseDense input gradient buffer is \(inputGradient.rows)×\(inputGradient.columns), needs \(batch)×\(inputs)")
        checkCounts()
        guard batch > 0, outputs > 0, inputs > 0 else {
            // An empty sum (or no weights at all): the gradients are zero or sums over no rows.
            SparseDense.zero(&weightGradient)
            SparseDense.zero(&biasGradient)
            SparseDense.zero(&inputGradient.elements)
            for b in 0..<batch { for j in 0..<outputs { biasGradient[j] += outputGradient[b, j] } }
            return
        }
        reserveScratch(batch: batch)
        let (n, m) = (inputs, outputs)
        input.elements.withUnsafeBufferPointer { x in
            inputMajor.withUnsafeMutableBufferPointer { xt in
                SparseDense.transpose(x.baseAddress!, rows: batch, columns: n, into: xt.baseAddress!)
            }
        }
        outputGradient.elements.withUnsafeBufferPointer { g in
            outputMajor.withUnsafeMutableBufferPointer { gt in
                SparseDense.transpose(g.baseAddress!, rows: batch, columns: m, into: gt.baseAddress!)
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
        guard wantsInputGradient else { return }
        outputMajor.withUnsafeBufferPointer { gt in
            inputGradientMajor.withUnsafeMutableBufferPointer { dxt in
                columnStarts.withUnsafeBufferPointer { starts in
                    columnRows.withUnsafeBufferPointer { rows in
                        columnPositions.withUnsafeBufferPointer { positions in
                            values.withUnsafeBufferPointer { w in
                                SparseDense.gradientColumns(
                                    starts: starts, rows: rows, positions: positions, values: w,
                                    gradientMajor: gt.baseAddress!, into: dxt.baseAddress!, batch: batch)
                            }
                        }
                    }
                }
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    SparseDense.transpose(dxt.baseAddress!, rows: n, columns: batch, into: dx.baseAddress!)
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

    private static func zero(_ values: inout [Float]) {
        for i in values.indices { values[i] = 0 }
    }
}

// MARK: Kernels

extension SparseDense {
    /// Rows per chunk so that a chunk holds at least ~64k multiply-adds of `work` spread over `count` rows.
    static func minimumChunk(count: Int, work: Int) -> Int { max(1, count * 65_536 / max(1, work)) }

    /// `dst ← srcᵀ`: `src` is `rows × columns`, `dst` is `columns × rows`, both row-major.
    /// Destination rows are split over the cores.
    static func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>) {
        forEachChunk(of: columns, minimumChunk: minimumChunk(count: columns, work: rows * columns)) { range in
            for r in 0..<rows {
                let from = src + r &* columns
                for c in range { dst[c &* rows &+ r] = from[c] }
            }
        }
    }

    /// `Yᵀ[j, :] = b_j + Σ_k W_k Xᵀ[columns[k], :]` for every output row `j`, rows split over cores.
    static func affineRows(
        starts: UnsafeBufferPointer<Int>, columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        bias: UnsafeBufferPointer<Float>, inputMajor xt: UnsafePointer<Float>,
        into yt: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let outputs = bias.count
        let work = (values.count + outputs) * batch
        forEachChunk(of: outputs, minimumChunk: minimumChunk(count: outputs, work: work)) { range in
            for j in range {
                let y = yt + j &* batch
                y.update(repeating: bias[j], count: batch)
                for k in starts[j]..<starts[j + 1] {
                    axpy(values[k], xt + Int(columns[k]) &* batch, y, count: batch)
                }
            }
        }
    }

    /// `∂L/∂b_j = Σ_b Gᵀ[j, b]`, `∂L/∂W_k = ⟨Gᵀ[j, :], Xᵀ[columns[k], :]⟩`, rows split over cores.
    static func gradientRows(
        starts: UnsafeBufferPointer<Int>, columns: UnsafeBufferPointer<Int32>,
        inputMajor xt: UnsafePointer<Float>, gradientMajor gt: UnsafePointer<Float>,
        weightGradient dw: UnsafeMutableBufferPointer<Float>, biasGradient db: UnsafeMutableBufferPointer<Float>,
        batch: Int
    ) {
        let outputs = db.count
        let work = (dw.count + outputs) * batch
        forEachChunk(of: outputs, minimumChunk: minimumChunk(count: outputs, work: work)) { range in
            for j in range {
                let g = gt + j &* batch
                var sum: Float = 0
                for b in 0..<batch { sum += g[b] }
                db[j] = sum
                for k in starts[j]..<starts[j + 1] { dw[k] = dot(g, xt + Int(columns[k]) &* batch, count: batch) }
            }
        }
    }

    /// `(∂L/∂X)ᵀ[i, :] = Σ_e W[positions[e]] Gᵀ[rows[e], :]` over the column view, inputs split over cores.
    static func gradientColumns(
        starts: UnsafeBufferPointer<Int>, rows: UnsafeBufferPointer<Int32>, positions: UnsafeBufferPointer<Int32>,
        values: UnsafeBufferPointer<Float>, gradientMajor gt: UnsafePointer<Float>,
        into dxt: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let inputs = starts.count - 1
        let work = (values.count + inputs) * batch
        forEachChunk(of: inputs, minimumChunk: minimumChunk(count: inputs, work: work)) { range in
            for i in range {
                let dx = dxt + i &* batch
                dx.update(repeating: 0, count: batch)
                for e in starts[i]..<starts[i + 1] {
                    axpy(values[Int(positions[e])], gt + Int(rows[e]) &* batch, dx, count: batch)
                }
            }
        }
    }

    /// `y ← a x + y` (contiguous, vectorisable).
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for t in 0..<count { y[t] += a * x[t] }
    }

    /// `⟨x, y⟩` with four interleaved partial sums (a fixed order, so deterministic, and
    /// vectorisable without reassociation).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var t = 0
        while t &+ 4 <= count {
            s0 += x[t] * y[t]
            s1 += x[t &+ 1] * y[t &+ 1]
            s2 += x[t &+ 2] * y[t &+ 2]
            s3 += x[t &+ 3] * y[t &+ 3]
            t &+= 4
        }
        while t < count {
            s0 += x[t] * y[t]
            t &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
