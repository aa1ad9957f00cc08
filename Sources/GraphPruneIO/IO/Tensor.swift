import GraphPruneNumerics

/// An n-dimensional array of `Float` or `Double`, as stored in `.npy` and `.safetensors` files.
///
/// Elements are always in C (row-major) order: the last index varies fastest, so a
/// `[rows, columns]` tensor has the same layout as `Matrix`. A shape of `[]` is a scalar (one
/// element); any zero in the shape makes the tensor empty.
///
/// Readers convert whatever the file holds (Fortran order, big-endian, half precision) into
/// this one form; writers choose the file's layout.
public struct Tensor: Equatable, Sendable {
    /// The element storage, in one of the two precisions the toolkit computes in.
    public enum Storage: Equatable, Sendable {
        case float32([Float])
        case float64([Double])

        /// The number of stored elements.
        public var count: Int {
            switch self {
            case .float32(let values): values.count
            case .float64(let values): values.count
            }
        }
    }

    /// The extent of each axis, outermost first.
    public var shape: [Int]
    /// The elements in C order; `storage.count` equals the product of `shape`.
    public var storage: Storage

    /// A tensor from its shape and C-order elements. Traps when the element count does not
    /// match the shape or an extent is negative.
    public init(shape: [Int], storage: Storage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative tensor shape \(shape)")
        precondition(
            Tensor.elementCount(of: shape) == storage.count,
            "tensor of shape \(shape) needs \(Tensor.elementCount(of: shape).map(String.init) ?? "too many") elements, got \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    /// A 2-D `float32` tensor with the matrix's rows and columns.
    public init(_ m: Matrix<Float>) {
        self.init(shape: [m.rows, m.columns], storage: .float32(m.elements))
    }

    /// A 2-D `float64` tensor with the matrix's rows and columns.
    public init(_ m: Matrix<Double>) {
        self.init(shape: [m.rows, m.columns], storage: .float64(m.elements))
    }

    /// The number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { storage.count }

    /// The tensor as a `rows × columns` matrix in precision `S`, converting if needed.
    ///
    /// - Parameter name: the file or tensor name used in the error.
    /// - Throws: `FileFormatError` unless the shape has exactly two axes.
    /// - Complexity: O(elementCount) (a copy, and a conversion when precisions differ).
    public func matrix<S: BLASScalar>(_: S.Type, name: String) throws -> Matrix<S> {
        guard shape.count == 2 else {
            throw FileFormatError(
                file: name, problem: "tensor has shape \(shape); a 2-D matrix is needed")
        }
        let elements: [S]
        switch storage {
        case .float32(let values):
            elements = (values as? [S]) ?? values.map { S($0) }
        case .float64(let values):
            elements = (values as? [S]) ?? values.map { S($0) }
        }
        return Matrix(rows: shape[0], columns: shape[1], elements: elements)
    }

    /// The product of `shape` (1 for `[]`), or `nil` if an extent is negative or the product
    /// overflows `Int`.
    static func elementCount(of shape: [Int]) -> Int? { checkedProduct(shape) }
}
