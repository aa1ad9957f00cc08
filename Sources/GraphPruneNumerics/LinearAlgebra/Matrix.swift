/// A dense matrix of `Float` or `Double`.
///
/// **Storage order, stated once for the whole toolkit:** every `Matrix` is *row-major*
/// (C order): element `(i, j)` lives at `elements[i * columns + j]`. A weight matrix as PyTorch's
/// `nn.Linear` stores it is `out × in`, so row `i` is neuron `i`'s incoming weight vector; a Keras
/// kernel is `in × out` and is turned into that orientation with `transposed()`.
public struct Matrix<Scalar: BLASScalar>: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// The entries, row after row (`rows * columns` of them).
    public var elements: [Scalar]

    /// A matrix from its row-major entries. Traps if the count does not match the shape.
    @inlinable
    public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "negative matrix shape")
        precondition(elements.count == rows * columns, "matrix \(rows)×\(columns) needs \(rows * columns) entries, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A `rows × columns` matrix filled with `value`.
    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        self.init(rows: rows, columns: columns, elements: Array(repeating: value, count: rows * columns))
    }

    /// A matrix from an array of equally long rows.
    @inlinable
    public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "rows of unequal length")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// The `n × n` identity.
    @inlinable
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `i` as a slice of the storage (no copy).
    @inlinable
    public func row(_ i: Int) -> ArraySlice<Scalar> {
        elements[(i * columns)..<((i + 1) * columns)]
    }

    /// Column `j`, copied.
    @inlinable
    public func column(_ j: Int) -> [Scalar] {
        (0..<rows).map { elements[$0 * columns + j] }
    }

    /// The transpose, as a new row-major matrix, by OpenBLAS's blocked `?omatcopy` (a plain
    /// loop writes one of the two matrices with a stride and misses the cache on every entry).
    /// O(rows · columns).
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        guard !elements.isEmpty else { return t }
        elements.withUnsafeBufferPointer { src in
            t.elements.withUnsafeMutableBufferPointer { dst in
                Scalar.transposeCopy(rows: rows, columns: columns, a: src.baseAddress!, b: dst.baseAddress!)
            }
        }
        return t
    }

    /// The same entries converted to another precision.
    @inlinable
    public func converted<Other: BLASScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, elements: elements.map { Other($0) })
    }

    /// The rows listed in `indices`, in that order.
    @inlinable
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var out = [Scalar]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out.append(contentsOf: row(i)) }
        return Matrix(rows: indices.count, columns: columns, elements: out)
    }

    /// The index of the first entry that is NaN or infinite, as (row, column), or nil.
    @inlinable
    public func firstNonFinite() -> (row: Int, column: Int)? {
        let k = elements.withUnsafeBufferPointer { e -> Int? in
            for i in 0..<e.count where !e[i].isFinite { return i }
            return nil
        }
        return k.map { ($0 / columns, $0 % columns) }
    }
}

extension Matrix {
    /// Traps unless the matrix is `rows × columns`: a caller-owned buffer of the wrong shape is a
    /// programming error. `what` names the buffer in the message ("Dense output buffer").
    @inlinable
    public func requireShape(_ rows: Int, _ columns: Int, _ what: @autoclosure () -> String) {
        precondition(self.rows == rows && self.columns == columns,
                     "\(what()) is \(self.rows)×\(self.columns), needs \(rows)×\(columns)")
    }
}

extension Matrix {
    /// `self ← other`, entry by entry, into this matrix's storage (same shape; no allocation
    /// when the storage is uniquely referenced).
    /// - Complexity: O(rows · columns).
    @inlinable
    public mutating func assign(_ other: Matrix) {
        requireShape(other.rows, other.columns, "assigned matrix")
        elements.withUnsafeMutableBufferPointer { y in
            other.elements.withUnsafeBufferPointer { x in
                guard let source = x.baseAddress, let target = y.baseAddress else { return }
                target.update(from: source, count: x.count)
            }
        }
    }

    /// `self ← self + other`, entry by entry (same shape).
    /// - Complexity: O(rows · columns).
    @inlinable
    public mutating func add(_ other: Matrix) {
        requireShape(other.rows, other.columns, "added matrix")
        elements.withUnsafeMutableBufferPointer { y in
            other.elements.withUnsafeBufferPointer { x in
                for k in 0..<x.count { y[k] += x[k] }
            }
        }
    }
}
