/// Where the entries of a rewired tensor came from: entry `k` of the new storage is old entry
/// `self[k]`, or a new entry (`nil`). `SparseDense`'s rewiring returns one, so that an optimiser
/// can carry each surviving connection's state over (`Optimizer.remapState(index:by:)`).
public struct PositionMap: Equatable, Sendable {
    /// The length of the tensor before the rewiring.
    public let oldCount: Int
    /// Per new entry, its old position, or −1 for a new entry.
    public let sources: [Int32]

    /// A map from `sources` (each in `0..<oldCount` or −1, no old position twice).
    public init(oldCount: Int, sources: [Int32]) {
        precondition(oldCount >= 0, "PositionMap: negative old count")
        var seen = [Bool](repeating: false, count: oldCount)
        for s in sources where s >= 0 {
            precondition(Int(s) < oldCount && !seen[Int(s)], "PositionMap: source \(s) out of range or repeated")
            seen[Int(s)] = true
        }
        self.oldCount = oldCount
        self.sources = sources
    }

    /// The map that changes nothing.
    public static func identity(count: Int) -> PositionMap {
        PositionMap(oldCount: count, sources: (0..<count).map { Int32($0) })
    }

    /// The length of the tensor after the rewiring.
    public var newCount: Int { sources.count }

    /// The old position of new entry `k`, or nil if it is new.
    public subscript(k: Int) -> Int? { sources[k] >= 0 ? Int(sources[k]) : nil }

    /// `self` then `next` (which must start from this map's `newCount`): new entry `k` of `next`
    /// came from old entry `self[next[k]]`.
    public func followed(by next: PositionMap) -> PositionMap {
        precondition(next.oldCount == newCount, "PositionMap: \(next.oldCount) ≠ \(newCount) entries in between")
        return PositionMap(oldCount: oldCount, sources: next.sources.map { $0 >= 0 ? sources[Int($0)] : -1 })
    }

    /// Carries per-entry `state` (aligned with the old storage) over: survivors keep their value,
    /// new entries get `fill`. O(newCount).
    public func apply<T>(to state: [T], fill: T) -> [T] {
        precondition(state.count == oldCount, "PositionMap: state of \(state.count) entries, map from \(oldCount)")
        return sources.map { $0 >= 0 ? state[Int($0)] : fill }
    }
}

extension SparseDense {
    // MARK: Rewiring

    /// Removes every connection for which `shouldRemove(output, input, value)` holds (asked once
    /// per connection, in row-major order) and returns how many were removed. The remaining
    /// connections keep their values, gradients and order.
    /// - Complexity: O(nnz + inputs).
    @discardableResult
    public mutating func removeConnections(where shouldRemove: (_ output: Int, _ input: Int, _ value: Float) -> Bool) -> Int {
        let before = connectionCount
        return before - removeConnectionsMapped(where: shouldRemove).newCount
    }

    /// `removeConnections(where:)`, reporting where every surviving connection was stored.
    /// - Complexity: O(nnz + inputs).
    public mutating func removeConnectionsMapped(
        where shouldRemove: (_ output: Int, _ input: Int, _ value: Float) -> Bool
    ) -> PositionMap {
        let before = connectionCount
        var sources = [Int32]()
        sources.reserveCapacity(before)
        var write = 0, readStart = 0
        for j in 0..<outputs {
            let readEnd = rowStarts[j + 1]
            for k in readStart..<readEnd where !shouldRemove(j, Int(columns[k]), values[k]) {
                columns[write] = columns[k]
                values[write] = values[k]
                weightGradient[write] = weightGradient[k]
                sources.append(Int32(k))
                write += 1
            }
            readStart = readEnd
            rowStarts[j + 1] = write
        }
        columns.removeLast(before - write)
        values.removeLast(before - write)
        weightGradient.removeLast(before - write)
        patternChanged()
        return PositionMap(oldCount: before, sources: sources)
    }

    /// Adds the connections `new` (any order), all with weight `value` and gradient 0, keeping
    /// every row sorted. Adding a connection that is already stored, or twice, is a programming
    /// error (trap). Existing connections keep their values and gradients.
    /// - Complexity: O(nnz + m log m + inputs) for m new connections.
    @discardableResult
    public mutating func addConnections(_ new: [(output: Int, input: Int)], value: Float = 0) -> PositionMap {
        addConnections(new, values: [Float](repeating: value, count: new.count))
    }

    /// Adds the connections `new` (any order) with the weights `values` (same order), gradient 0;
    /// returns where every connection now stored came from (nil = added).
    /// - Complexity: O(nnz + m log m + inputs) for m new connections.
    @discardableResult
    public mutating func addConnections(_ new: [(output: Int, input: Int)], values newValues: [Float]) -> PositionMap {
        precondition(newValues.count == new.count, "SparseDense: \(new.count) new connections need \(new.count) values, got \(newValues.count)")
        guard !new.isEmpty else { return .identity(count: connectionCount) }
        for c in new {
            precondition(c.output >= 0 && c.output < outputs && c.input >= 0 && c.input < inputs,
                         "SparseDense: connection (\(c.output), \(c.input)) outside \(outputs)×\(inputs)")
        }
        let order = new.indices.sorted { (new[$0].output, new[$0].input) < (new[$1].output, new[$1].input) }
        let total = connectionCount + order.count
        precondition(total <= Int(Int32.max), "SparseDense: too many connections for Int32 positions")
        var newColumns = [Int32](), newWeights = [Float](), newGradient = [Float](), sources = [Int32]()
        newColumns.reserveCapacity(total)
        newWeights.reserveCapacity(total)
        newGradient.reserveCapacity(total)
        sources.reserveCapacity(total)
        var newStarts = [Int](repeating: 0, count: outputs + 1)
        func keep(_ k: Int) {
            newColumns.append(columns[k]); newWeights.append(values[k]); newGradient.append(weightGradient[k])
            sources.append(Int32(k))
        }
        var n = 0
        for j in 0..<outputs {
            var k = rowStarts[j]
            let end = rowStarts[j + 1]
            while n < order.count && new[order[n]].output == j {
                let input = new[order[n]].input
                precondition(n + 1 == order.count || new[order[n + 1]] != new[order[n]],
                             "SparseDense: connection (\(j), \(input)) added twice")
                while k < end && Int(columns[k]) < input {
                    keep(k)
                    k += 1
                }
                precondition(k == end || Int(columns[k]) != input, "SparseDense: connection (\(j), \(input)) already exists")
                newColumns.append(Int32(input)); newWeights.append(newValues[order[n]]); newGradient.append(0)
                sources.append(-1)
                n += 1
            }
            while k < end {
                keep(k)
                k += 1
            }
            newStarts[j + 1] = newColumns.count
        }
        let before = connectionCount
        rowStarts = newStarts
        columns = newColumns
        values = newWeights
        weightGradient = newGradient
        patternChanged()
        return PositionMap(oldCount: before, sources: sources)
    }

    /// One rewiring step: removes the connections for which `shouldRemove` holds (as
    /// `removeConnections(where:)`), then adds `new` with `newValues` (as
    /// `addConnections(_:values:)`; a connection removed in this step may be added again, as a
    /// new connection). Returns, per connection now stored, its storage position before the step
    /// (nil for an added one) — the map an optimiser needs to keep the survivors' state.
    /// - Complexity: O(nnz + m log m + inputs).
    @discardableResult
    public mutating func rewire(
        removing shouldRemove: (_ output: Int, _ input: Int, _ value: Float) -> Bool,
        adding new: [(output: Int, input: Int)], values newValues: [Float]
    ) -> PositionMap {
        let removal = removeConnectionsMapped(where: shouldRemove)
        return removal.followed(by: addConnections(new, values: newValues))
    }

    /// After every change of the pattern: rebuilds the column-major view from the CSR arrays (a
    /// counting sort by input; within an input the outputs come out increasing) and drops the
    /// dense engine, whose zeros off the old pattern would be stale (`forwardDense` writes only
    /// the stored positions). O(nnz + inputs).
    mutating func patternChanged() {
        denseEngine = nil
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
