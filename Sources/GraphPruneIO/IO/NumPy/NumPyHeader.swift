/// The dictionary that describes the array in a `.npy` file, e.g.
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`.
///
/// Exactly the three keys `descr`, `fortran_order` and `shape` are accepted, in any order; the
/// element type must be a float32 or float64, or an integer (read as float64: class labels), in
/// either byte order.
struct NumPyHeader: Equatable {
    /// The element types the toolkit reads.
    enum DType: Equatable {
        case float32, float64
        /// Signed or unsigned integers of 1, 2, 4 or 8 bytes.
        case integer(width: Int, signed: Bool)

        /// Bytes per element.
        var itemSize: Int {
            switch self {
            case .float32: 4
            case .float64: 8
            case .integer(let width, _): width
            }
        }
        /// The little-endian descr NumPy writes for the two types the toolkit writes.
        var descr: String { self == .float32 ? "<f4" : "<f8" }
    }

    var dtype: DType
    /// Whether the elements are big-endian in the file (`>f4`, `>f8`).
    var bigEndian: Bool
    var fortranOrder: Bool
    var shape: [Int]
    /// The product of `shape` (1 for a scalar), known not to overflow.
    var elementCount: Int

    /// The header for writing `dtype` elements of the given shape in little-endian order.
    init(dtype: DType, fortranOrder: Bool, shape: [Int]) {
        self.dtype = dtype
        self.bigEndian = false
        self.fortranOrder = fortranOrder
        self.shape = shape
        self.elementCount = Tensor.elementCount(of: shape) ?? 0
    }

    /// The header described by `text` (the bytes between the length field and the data).
    /// - Throws: `FileFormatError` naming `file` and the key or byte at fault.
    static func parse(_ text: [UInt8], file: String) throws -> NumPyHeader {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: file, problem: problem) }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(text)
        } catch {
            throw fail("malformed header: \(error.message)")
        }
        guard case .dict(let pairs) = literal else { throw fail("malformed header: not a dictionary") }

        var descr: PythonLiteral?, fortran: PythonLiteral?, shape: PythonLiteral?
        for (key, value) in pairs {
            guard case .string(let name) = key else { throw fail("malformed header: a key is not a string") }
            switch name {
            case "descr" where descr == nil: descr = value
            case "fortran_order" where fortran == nil: fortran = value
            case "shape" where shape == nil: shape = value
            case "descr", "fortran_order", "shape": throw fail("header repeats key '\(name)'")
            default: throw fail("header has unexpected key '\(name)'")
            }
        }
        guard let descr else { throw fail("header has no 'descr' key") }
        guard let fortran else { throw fail("header has no 'fortran_order' key") }
        guard let shape else { throw fail("header has no 'shape' key") }

        guard case .string(let typeName) = descr else {
            throw fail("unsupported dtype: structured arrays are not supported (float32, float64 and integers only)")
        }
        let (dtype, bigEndian) = try parseDType(typeName, fail: fail)
        guard case .bool(let fortranOrder) = fortran else {
            throw fail("'fortran_order' must be True or False")
        }
        let extents = try parseShape(shape, fail: fail)
        guard let count = Tensor.elementCount(of: extents) else {
            throw fail("shape \(pythonTuple(extents)) has more elements than fit in memory")
        }
        var header = NumPyHeader(dtype: dtype, fortranOrder: fortranOrder, shape: extents)
        header.bigEndian = bigEndian
        header.elementCount = count
        return header
    }

    private static func parseDType(
        _ name: String, fail: (String) -> FileFormatError
    ) throws -> (DType, bigEndian: Bool) {
        let supported: [String: (DType, Bool)] = [
            "<f4": (.float32, false), "=f4": (.float32, false), ">f4": (.float32, true),
            "<f8": (.float64, false), "=f8": (.float64, false), ">f8": (.float64, true),
        ]
        if let found = supported[name] { return found }
        if name.count >= 3, let order = name.first, "<>=|".contains(order), let kind = name.dropFirst().first, kind == "i" || kind == "u",
           let width = Int(name.dropFirst(2)), [1, 2, 4, 8].contains(width) {
            return (.integer(width: width, signed: kind == "i"), order == ">")
        }
        if name.dropFirst().hasPrefix("O") {
            throw fail("unsupported dtype '\(name)': object arrays cannot be read (float32, float64 and integers only)")
        }
        throw fail("unsupported dtype '\(name)' (float32, float64 and integers only)")
    }

    private static func parseShape(
        _ literal: PythonLiteral, fail: (String) -> FileFormatError
    ) throws -> [Int] {
        let items: [PythonLiteral]
        switch literal {
        case .tuple(let values), .list(let values): items = values
        default: throw fail("'shape' must be a tuple of integers")
        }
        return try items.map { item in
            guard case .integer(let text, let value) = item else {
                throw fail("'shape' must be a tuple of integers")
            }
            guard let value else { throw fail("shape entry \(text) is too large") }
            guard value >= 0 else { throw fail("shape entry \(value) is negative") }
            return value
        }
    }

    /// `shape` as NumPy prints it: `()`, `(3,)`, `(2, 3)`.
    static func pythonTuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The dictionary literal as NumPy writes it (without padding).
    var literal: String {
        let order = fortranOrder ? "True" : "False"
        return "{'descr': '\(dtype.descr)', 'fortran_order': \(order), 'shape': \(Self.pythonTuple(shape)), }"
    }
}
