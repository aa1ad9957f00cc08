/// A sparse matrix in compressed sparse row (CSR) form, `Double` values.
///
/// Row `i` holds the entries `values[k]` at columns `columnIndices[k]` for
/// `k in rowStarts[i]..<rowStarts[i + 1]`, with columns strictly increasing within a row.
/// Symmetric matrices (graph adjacencies, Laplacians) store **both** triangles, so a product is
/// one pass over the entries.
public struct CSRMatrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public let rowStarts: [Int]
    public let columnIndices: [Int32]
    public let values: [Double]

    /// Number of stored entries.
    public var storedCount: Int { values.count }

    /// A CSR matrix from its arrays; traps on inconsistent arrays (a programming error).
    public init(rows: Int, columns: Int, rowStarts: [Int], columnIndices: [Int32], values: [Double]) {
        precondition(rowStarts.count == rows + 1 && rowStarts.first == 0 && rowStarts.last == values.count)
        precondition(columnIndices.count == values.count)
        self.rows = rows
        self.columns = columns
        self.rowStarts = rowStarts
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Builds the matrix from coordinate triplets, summing duplicates.
    /// - Complexity: O(nnz log nnz).
    public init(rows: Int, columns: Int, triplets: [(row: Int, column: Int, value: Double)]) {
        let sorted = triplets.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        var starts = [Int](repeating: 0, count: rows + 1)
        var cols = [Int32]()
        var vals = [Double]()
        cols.reserveCapacity(sorted.count)
        vals.reserveCapacity(sorted.count)
        var lastRow = -1, lastColumn = -1
        for t in sorted {
            precondition(t.row >= 0 && t.row < rows && t.column >= 0 && t.column < columns, "triplet out of range")
            if t.row == lastRow && t.column == lastColumn {
                vals[vals.count - 1] += t.value
            } else {
                cols.append(Int32(t.column))
                vals.append(t.value)
                starts[t.row + 1] += 1
                lastRow = t.row
                lastColumn = t.column
            }
        }
        for i in 0..<rows { starts[i + 1] += starts[i] }
        self.init(rows: rows, columns: columns, rowStarts: starts, columnIndices: cols, values: vals)
    }

    /// The dense row-major copy (for tests and small exact solves). O(rows · columns).
    public func dense() -> Matrix<Double> {
        var m = Matrix<Double>(rows: rows, columns: columns)
        for i in 0..<rows {
            for k in rowStarts[i]..<rowStarts[i + 1] { m[i, Int(columnIndices[k])] = values[k] }
        }
        return m
    }

    /// `y ← A x` for any `x`, `y` of matching lengths. Rows are split across cores in contiguous
    /// blocks; each row's sum is taken in storage order by one thread, so the result is the same
    /// for every thread count.
    /// - Complexity: O(nnz).
    public func multiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == columns && y.count == rows)
        rowStarts.withUnsafeBufferPointer { starts in
            columnIndices.withUnsafeBufferPointer { cols in
                values.withUnsafeBufferPointer { vals in
                    forEachChunk(of: rows, minimumChunk: max(1, rows * 262_144 / max(1, vals.count))) { range in
                        for i in range {
                            var sum = 0.0
                            for k in starts[i]..<starts[i + 1] { sum += vals[k] * x[Int(cols[k])] }
                            y[i] = sum
                        }
                    }
                }
            }
        }
    }
}

extension CSRMatrix: SymmetricOperator {
    public var dimension: Int { rows }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        multiply(x, into: y)
    }
}
