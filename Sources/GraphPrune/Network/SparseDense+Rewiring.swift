extension SparseDense {
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
    mutating func rebuildColumnView() {
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
}
