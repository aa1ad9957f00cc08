import Foundation

/// Reading and writing `.safetensors` files (the Hugging Face format).
///
/// Layout:
/// ```
/// bytes 0–7   N, the header size, unsigned little-endian
/// next N      UTF-8 JSON: {"__metadata__": {string: string},
///                          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
/// the rest    the data; each tensor occupies bytes begin..<end counted from the end of the header,
///             little-endian, C order
/// ```
/// Read dtypes: `F32`, `F64`, and the 16-bit `F16` (IEEE half) and `BF16` (upper half of a
/// float32), which are widened exactly into `.float32` storage. Every tensor's byte span must
/// equal `product(shape) · itemsize` and lie inside the data; overlapping or unordered spans are
/// accepted. Writing produces `F32`/`F64` tensors sorted by name with contiguous offsets, the
/// header padded with spaces to a multiple of 8 bytes as the reference implementation does.
public enum SafetensorsFile {
    /// Reads the `.safetensors` file at `url`.
    /// - Throws: `FileFormatError` naming the path when the file cannot be read or is malformed.
    /// - Complexity: O(file size).
    public static func read(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try read(data: FileContents.bytes(of: url), name: url.path)
    }

    /// Decodes `.safetensors` bytes; `name` identifies them in errors.
    /// - Throws: `FileFormatError` for a header size beyond the file, invalid JSON, an unknown
    ///   dtype, negative shapes, or data offsets that are out of range or disagree with the shape.
    /// - Complexity: O(data.count).
    public static func read(data: Data, name: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: name, problem: problem) }
        guard let headerSize = ByteCodec.unsignedLittleEndian(data, at: 0, width: 8) else {
            throw fail("truncated: \(data.count) bytes, too short for the 8-byte header size")
        }
        let rest = data.count - 8
        guard headerSize <= UInt64(rest) else {
            throw fail("header size \(headerSize) is larger than the \(rest) bytes after it (file truncated?)")
        }
        let dataStart = 8 + Int(headerSize)
        let header = try SafetensorsHeader.decode(
            data[(data.startIndex + 8)..<(data.startIndex + dataStart)], file: name)
        let dataLength = data.count - dataStart

        var ranges = [String: Range<Int>]()
        for tensorName in header.entries.keys.sorted() {
            ranges[tensorName] = try byteRange(of: header.entries[tensorName]!, named: tensorName, dataLength: dataLength, fail: fail)
        }
        // As the reference implementation requires: the tensors tile the data section, in
        // order of their offsets, without gaps or overlaps (no tensor aliases another).
        var end = 0
        for (tensorName, range) in ranges.sorted(by: { ($0.value.lowerBound, $0.value.upperBound, $0.key) < ($1.value.lowerBound, $1.value.upperBound, $1.key) }) {
            guard range.lowerBound == end else {
                throw fail(range.lowerBound < end
                    ? "tensor '\(tensorName)': data_offsets [\(range.lowerBound), \(range.upperBound)] overlap the previous tensor's bytes (which end at \(end))"
                    : "tensor '\(tensorName)': data_offsets [\(range.lowerBound), \(range.upperBound)] leave a gap after byte \(end)")
            }
            end = range.upperBound
        }
        guard end == dataLength else {
            throw fail("the tensors end at byte \(end) of the \(dataLength)-byte data section: \(dataLength - end) bytes belong to no tensor")
        }
        var tensors = [String: Tensor]()
        for tensorName in header.entries.keys.sorted() {
            guard let entry = header.entries[tensorName], let range = ranges[tensorName] else { continue }
            let bytes = (dataStart + range.lowerBound)..<(dataStart + range.upperBound)
            let storage: Tensor.Storage
            switch entry.dtype {
            case "F32": storage = .float32(ByteCodec.floats(data, bytes))
            case "F64": storage = .float64(ByteCodec.doubles(data, bytes))
            case "F16": storage = .float32(ByteCodec.halfFloats(data, bytes))
            default: storage = .float32(ByteCodec.bfloat16s(data, bytes))  // "BF16", checked above
            }
            tensors[tensorName] = Tensor(shape: entry.shape, storage: storage)
        }
        return (tensors, header.metadata)
    }

    /// Bytes per element of the dtypes this reader understands.
    private static let itemSizes = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2]

    /// The entry's byte span within the data section, after checking its dtype, shape and
    /// offsets against each other and against `dataLength`.
    private static func byteRange(
        of entry: SafetensorsHeader.Entry, named name: String, dataLength: Int,
        fail: (String) -> FileFormatError
    ) throws -> Range<Int> {
        guard let itemSize = itemSizes[entry.dtype] else {
            throw fail("tensor '\(name)' has unsupported dtype '\(entry.dtype)' (F32, F64, F16 and BF16 only)")
        }
        if let negative = entry.shape.first(where: { $0 < 0 }) {
            throw fail("tensor '\(name)' has negative shape entry \(negative)")
        }
        guard entry.dataOffsets.count == 2 else {
            throw fail("tensor '\(name)': data_offsets must be [begin, end], got \(entry.dataOffsets.count) numbers")
        }
        let begin = entry.dataOffsets[0], end = entry.dataOffsets[1]
        guard begin >= 0, end >= 0 else {
            throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] are negative")
        }
        guard begin <= end else {
            throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] end before they begin")
        }
        guard end <= dataLength else {
            throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] reach past the end of the data (\(dataLength) bytes; file truncated?)")
        }
        let count = Tensor.elementCount(of: entry.shape)
        let (needed, overflow) = (count ?? Int.max).multipliedReportingOverflow(by: itemSize)
        guard count != nil, !overflow, needed == end - begin else {
            let size = count == nil || overflow ? "more than fit in memory" : "\(needed)"
            throw fail("tensor '\(name)': shape \(entry.shape) of \(entry.dtype) needs \(size) bytes, data_offsets span \(end - begin)")
        }
        return begin..<end
    }

    /// Writes `tensors` and `metadata` to `url` atomically (temporary file, then rename).
    /// - Throws: `FileWriteError` when the file cannot be written.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
    }

    /// The `.safetensors` bytes of `tensors` (sorted by name, `F32`/`F64`) and `metadata`.
    /// Traps if a tensor is named `__metadata__` or its shape does not match its elements.
    /// - Complexity: O(total elements + names).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var entries = [String]()
        var body = Data()
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            entries.append("\(jsonString(SafetensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        for name in tensors.keys.sorted() {
            guard let tensor = tensors[name] else { continue }
            precondition(name != SafetensorsHeader.metadataKey, "a tensor cannot be named __metadata__")
            precondition(
                Tensor.elementCount(of: tensor.shape) == tensor.storage.count,
                "tensor '\(name)' shape \(tensor.shape) does not match its \(tensor.storage.count) elements")
            let bytes: Data, dtype: String
            switch tensor.storage {
            case .float32(let values): (bytes, dtype) = (ByteCodec.littleEndianBytes(values), "F32")
            case .float64(let values): (bytes, dtype) = (ByteCodec.littleEndianBytes(values), "F64")
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(body.count),\(body.count + bytes.count)]}")
            body.append(bytes)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        var data = Data(capacity: 8 + header.count + body.count)
        for k in 0..<8 { data.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(k)))) }
        data.append(contentsOf: header)
        data.append(body)
        return data
    }
}
