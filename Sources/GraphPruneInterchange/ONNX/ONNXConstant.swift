import Foundation

/// A constant of an ONNX graph — an initializer or a `Constant` node's value — as its shape and
/// its values, floats widened or narrowed to `Float` and integers to `Int64`.
struct ONNXConstant {
    var shape: [Int]
    /// FLOAT or DOUBLE data, as `Float`; nil for integer tensors.
    var floats: [Float]?
    /// INT64 or INT32 data; nil for floating-point tensors.
    var integers: [Int64]?

    var count: Int { floats?.count ?? integers?.count ?? 0 }

    /// The most elements one constant may declare (2³¹), checked before anything is read.
    static let elementLimit = 1 << 31

    /// Decodes `tensor`: FLOAT, DOUBLE, INT32 and INT64, from the typed fields or `raw_data`
    /// (little-endian).
    /// - Throws: a description of the problem (external data, another type, a count that does
    ///   not match the dims), for the caller to attach to the node.
    init(_ tensor: Onnx_TensorProto) throws(ONNXConstantError) {
        guard tensor.dataLocation != .external, tensor.externalData.isEmpty else {
            throw .init("tensor '\(tensor.name)' keeps its data in an external file (save the model with its weights inside, or convert it with onnx.save(..., save_as_external_data=False))")
        }
        var count = 1
        for d in tensor.dims {
            guard d >= 0, d <= Int64(Self.elementLimit) else { throw .init("tensor '\(tensor.name)' has dims \(tensor.dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Self.elementLimit else { throw .init("tensor '\(tensor.name)' declares more than \(Self.elementLimit) elements") }
            count = product
        }
        shape = tensor.dims.map(Int.init)
        let raw = tensor.rawData
        func fromRaw<T>(_: T.Type, width: Int) throws(ONNXConstantError) -> [T]? {
            guard !raw.isEmpty else { return nil }
            guard raw.count == count * width else {
                throw .init("tensor '\(tensor.name)' has \(raw.count) bytes of raw data; dims \(tensor.dims) need \(count * width)")
            }
            return raw.withUnsafeBytes { bytes in (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * width, as: T.self) } }
        }
        switch Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) {
        case .float?:
            floats = try fromRaw(UInt32.self, width: 4).map { $0.map { Float(bitPattern: UInt32(littleEndian: $0)) } } ?? tensor.floatData
        case .double?:
            let doubles = try fromRaw(UInt64.self, width: 8).map { $0.map { Double(bitPattern: UInt64(littleEndian: $0)) } } ?? tensor.doubleData
            floats = doubles.map { Float($0) }
        case .int64?:
            integers = try fromRaw(Int64.self, width: 8).map { $0.map { Int64(littleEndian: $0) } } ?? tensor.int64Data
        case .int32?:
            integers = try fromRaw(Int32.self, width: 4).map { $0.map { Int64(Int32(littleEndian: $0)) } } ?? tensor.int32Data.map(Int64.init)
        default:
            let name = Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)).map { "\($0)".uppercased() } ?? "\(tensor.dataType)"
            throw .init("tensor '\(tensor.name)' has data type \(name); FLOAT, DOUBLE, INT32 and INT64 are supported")
        }
        guard self.count == count else {
            throw .init("tensor '\(tensor.name)' holds \(self.count) values; dims \(tensor.dims) need \(count)")
        }
    }

    init(shape: [Int], floats: [Float]) {
        (self.shape, self.floats, self.integers) = (shape, floats, nil)
    }

    init(shape: [Int], integers: [Int64]) {
        (self.shape, self.floats, self.integers) = (shape, nil, integers)
    }

    /// The values as `Float` (integers converted), e.g. a `Clip` bound given as an integer.
    var asFloats: [Float] { floats ?? (integers ?? []).map { Float($0) } }
}

/// Why a constant cannot be read; the importer prefixes the node.
struct ONNXConstantError: Error {
    let problem: String
    init(_ problem: String) { self.problem = problem }
}
