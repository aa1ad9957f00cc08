import Foundation

/// Reading and writing NumPy `.npy` files of float32 or float64 arrays.
///
/// Layout (format versions 1.0, 2.0 and 3.0):
/// ```
/// bytes 0–5   magic "\x93NUMPY"
/// bytes 6–7   major, minor version
/// next 2 (v1) or 4 (v2, v3) bytes: header length H, little-endian
/// next H bytes: a Python dict literal, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
///             padded with spaces and ending in '\n' (latin-1 in v1/v2, UTF-8 in v3)
/// then        product(shape) · itemsize bytes of elements, nothing after them
/// ```
/// Accepted dtypes are `<f4`, `=f4`, `>f4`, the `f8` equivalents, and integers (`i1`…`i8`,
/// `u1`…`u8`, read as float64, exact up to 2⁵³) (big-endian is swapped on
/// read). Fortran-order data is rearranged into C order. A scalar has shape `()`.
///
/// Writing produces version 1.0 (2.0 only for headers over 65 535 bytes), little-endian, with the
/// header padded so the data starts at a multiple of 64 bytes, as NumPy does.
public enum NumPyFile {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The shape of the array in the `.npy` file at `url`, from its header alone (the data is
    /// not read).
    /// - Throws: `FileFormatError` naming the path when the file cannot be read or its header is
    ///   malformed.
    public static func shape(of url: URL) throws -> [Int] {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw FileFormatError(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        // The preamble (at most 12 bytes) and a header of at most 1 MiB, enough for any shape.
        let prefix = (try? handle.read(upToCount: 12 + (1 << 20))) ?? Data()
        guard prefix.count >= 10, prefix.prefix(magic.count).elementsEqual(magic) else {
            throw FileFormatError(file: url.path, problem: "not a .npy file (bad magic)")
        }
        let width = prefix[prefix.startIndex + 6] == 1 ? 2 : 4
        guard let length = ByteCodec.unsignedLittleEndian(prefix, at: 8, width: width), 8 + width + Int(length) <= prefix.count else {
            throw FileFormatError(file: url.path, problem: "truncated or oversized .npy header")
        }
        let start = prefix.startIndex + 8 + width
        return try NumPyHeader.parse([UInt8](prefix[start..<(start + Int(length))]), file: url.path).shape
    }

    /// Reads the `.npy` file at `url`.
    /// - Throws: `FileFormatError` naming the path when the file cannot be read or is malformed.
    /// - Complexity: O(file size).
    public static func read(from url: URL) throws -> Tensor {
        try read(data: FileContents.bytes(of: url), name: url.path)
    }

    /// Decodes `.npy` bytes; `name` identifies them in errors.
    /// - Throws: `FileFormatError` for a bad magic, an unsupported version or dtype, a malformed
    ///   header, or a data section shorter or longer than the header promises.
    /// - Complexity: O(data.count).
    public static func read(data: Data, name: String) throws -> Tensor {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: name, problem: problem) }
        let prefixLength = min(data.count, magic.count)
        guard data.prefix(prefixLength).elementsEqual(magic.prefix(prefixLength)) else {
            throw fail("not a .npy file (bad magic)")
        }
        guard data.count >= 10 else {
            throw fail("truncated: \(data.count) bytes, too short for a .npy preamble")
        }
        let major = data[data.startIndex + 6], minor = data[data.startIndex + 7]
        let lengthWidth: Int
        switch (major, minor) {
        case (1, 0): lengthWidth = 2
        case (2, 0), (3, 0): lengthWidth = 4
        default: throw fail("unsupported .npy format version \(major).\(minor)")
        }
        let headerStart = 8 + lengthWidth
        guard let rawLength = ByteCodec.unsignedLittleEndian(data, at: 8, width: lengthWidth) else {
            throw fail("truncated: \(data.count) bytes, too short for a .npy preamble")
        }
        let headerLength = Int(rawLength)  // at most 2³² − 1
        guard headerLength <= data.count - headerStart else {
            throw fail("truncated: preamble says \(headerLength) bytes of header, file has \(data.count - headerStart)")
        }
        let headerEnd = headerStart + headerLength
        let headerBytes = [UInt8](data[(data.startIndex + headerStart)..<(data.startIndex + headerEnd)])
        let header = try NumPyHeader.parse(headerBytes, file: name)

        let (byteCount, overflow) = header.elementCount.multipliedReportingOverflow(by: header.dtype.itemSize)
        guard !overflow else {
            throw fail("shape \(NumPyHeader.pythonTuple(header.shape)) needs more bytes than fit in memory")
        }
        let available = data.count - headerEnd
        guard available >= byteCount else {
            throw fail("truncated: header says \(byteCount) bytes of data, file has \(available)")
        }
        guard available == byteCount else {
            throw fail("\(available - byteCount) extra bytes after the data")
        }
        let range = headerEnd..<(headerEnd + byteCount)
        let storage: Tensor.Storage
        switch header.dtype {
        case .float32:
            let values = ByteCodec.floats(data, range, bigEndian: header.bigEndian)
            storage = .float32(header.fortranOrder ? ArrayOrder.fortranToC(values, shape: header.shape) : values)
        case .float64:
            let values = ByteCodec.doubles(data, range, bigEndian: header.bigEndian)
            storage = .float64(header.fortranOrder ? ArrayOrder.fortranToC(values, shape: header.shape) : values)
        case .integer(let width, let signed):
            let values = ByteCodec.integers(data, range, width: width, signed: signed, bigEndian: header.bigEndian)
            storage = .float64(header.fortranOrder ? ArrayOrder.fortranToC(values, shape: header.shape) : values)
        }
        return Tensor(shape: header.shape, storage: storage)
    }

    /// Writes `tensor` to `url` atomically (temporary file, then rename).
    /// - Throws: `FileWriteError` when the file cannot be written.
    public static func write(_ tensor: Tensor, to url: URL, fortranOrder: Bool = false) throws {
        try withParts(tensor, fortranOrder: fortranOrder) { try AtomicFile.write($0, to: url) }
    }

    /// Calls `body` with the `.npy` bytes of `tensor` as two parts, header and elements, whose
    /// concatenation is `encode(tensor, fortranOrder:)`. On a little-endian machine a C-order
    /// tensor's elements are passed as a view of its storage (no copy), valid only inside `body`.
    public static func withParts<R>(_ tensor: Tensor, fortranOrder: Bool = false, _ body: ([Data]) throws -> R) throws -> R {
        #if _endian(little)
        if !fortranOrder {
            requireConsistent(tensor)
            func view<T>(_ values: [T], _ dtype: NumPyHeader.DType) throws -> R {
                try values.withUnsafeBytes { raw in
                    let elements = raw.baseAddress.map {
                        Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: raw.count, deallocator: .none)
                    } ?? Data()
                    return try body([header(dtype, fortranOrder: false, shape: tensor.shape), elements])
                }
            }
            switch tensor.storage {
            case .float32(let values): return try view(values, .float32)
            case .float64(let values): return try view(values, .float64)
            }
        }
        #endif
        return try body([encode(tensor, fortranOrder: fortranOrder)])
    }

    /// The `.npy` bytes of `tensor`: float32 as `<f4`, float64 as `<f8`, elements in C or Fortran
    /// order. Traps if the tensor's shape does not match its element count.
    /// - Complexity: O(elementCount).
    public static func encode(_ tensor: Tensor, fortranOrder: Bool = false) -> Data {
        requireConsistent(tensor)
        let body: Data
        let dtype: NumPyHeader.DType
        switch tensor.storage {
        case .float32(let values):
            dtype = .float32
            body = ByteCodec.littleEndianBytes(fortranOrder ? ArrayOrder.cToFortran(values, shape: tensor.shape) : values)
        case .float64(let values):
            dtype = .float64
            body = ByteCodec.littleEndianBytes(fortranOrder ? ArrayOrder.cToFortran(values, shape: tensor.shape) : values)
        }
        var data = header(dtype, fortranOrder: fortranOrder, shape: tensor.shape)
        data.append(body)
        return data
    }

    /// Traps unless the tensor's shape accounts for exactly its elements (a programming error).
    private static func requireConsistent(_ tensor: Tensor) {
        precondition(
            Tensor.elementCount(of: tensor.shape) == tensor.storage.count,
            "tensor shape \(tensor.shape) does not match its \(tensor.storage.count) elements")
    }

    /// Magic, version, header length and the padded header literal: everything before the
    /// elements, a multiple of 64 bytes long.
    static func header(_ dtype: NumPyHeader.DType, fortranOrder: Bool, shape: [Int]) -> Data {
        let literal = Array(NumPyHeader(dtype: dtype, fortranOrder: fortranOrder, shape: shape).literal.utf8)
        var data = Data(magic)
        for lengthWidth in [2, 4] {
            let preamble = 8 + lengthWidth
            let padding = (64 - (preamble + literal.count + 1) % 64) % 64
            let headerLength = literal.count + padding + 1
            if lengthWidth == 2 && headerLength > Int(UInt16.max) { continue }
            data.append(contentsOf: [lengthWidth == 2 ? 1 : 2, 0])
            for k in 0..<lengthWidth { data.append(UInt8(truncatingIfNeeded: headerLength >> (8 * k))) }
            data.append(contentsOf: literal)
            data.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
            data.append(0x0A)
            break
        }
        return data
    }
}
