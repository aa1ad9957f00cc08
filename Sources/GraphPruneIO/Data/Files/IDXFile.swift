import Foundation
import GraphPruneNumerics

/// Readers for the IDX files of MNIST and Fashion-MNIST (LeCun et al.), plain or gzip-compressed.
///
/// An IDX file is a big-endian header followed by the raw values:
///
/// | file   | magic        | header                               | data                    |
/// |--------|--------------|--------------------------------------|-------------------------|
/// | images | `0x00000803` | count, rows, columns (UInt32 each)   | `count·rows·cols` bytes |
/// | labels | `0x00000801` | count (UInt32)                       | `count` bytes           |
///
/// The magic's third byte is the value type (`0x08`: unsigned byte), the fourth the number of
/// dimensions. Files whose size disagrees with their header are rejected in both directions
/// (truncated, or bytes left over), each with a `FileFormatError` naming the file.
public enum IDXFile {
    /// Unsigned-byte values with three dimensions: a stack of images.
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Unsigned-byte values with one dimension: a vector of labels.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// The images of the IDX file at `url` (plain or `.gz`), pixels row after row, image after image.
    /// - Throws: `FileFormatError` when the file cannot be read, is not an image file or its
    ///   size disagrees with its header.
    public static func readImages(_ url: URL) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        try parseImages(try contents(of: try FileContents.bytes(of: url), name: url.path, magic: imagesMagic, dimensions: 3), name: url.path)
    }

    /// The labels of the IDX file at `url` (plain or `.gz`).
    /// - Throws: `FileFormatError` as `readImages` does.
    public static func readLabels(_ url: URL) throws -> [UInt8] {
        try parseLabels(try contents(of: try FileContents.bytes(of: url), name: url.path, magic: labelsMagic, dimensions: 1), name: url.path)
    }

    /// An image file and its label file, checked to hold the same number of samples.
    /// - Throws: what `readImages` and `readLabels` throw, and a `FileFormatError` naming the
    ///   image file when the two counts differ.
    public static func readLabeledImages(images: URL, labels: URL) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8], labels: [UInt8]) {
        let stack = try readImages(images)
        let classes = try readLabels(labels)
        guard classes.count == stack.count else {
            throw FileFormatError(
                file: images.path,
                problem: "count mismatch: \(stack.count) images but \(labels.path) has \(classes.count) labels")
        }
        return (stack.count, stack.rows, stack.cols, stack.pixels, classes)
    }

    /// The images of an IDX file read into memory, already decompressed; `name` is for errors.
    public static func parseImages(_ data: Data, name: String) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        let dims = try header(data, name: name, magic: imagesMagic, dimensions: 3)
        let (count, rows, cols) = (dims[0], dims[1], dims[2])
        let (perImage, o1) = rows.multipliedReportingOverflow(by: cols)
        let (total, o2) = perImage.multipliedReportingOverflow(by: count)
        guard !o1, !o2 else {
            throw FileFormatError(file: name, problem: "header size \(count)×\(rows)×\(cols) is too large")
        }
        let pixels = try payload(data, name: name, offset: 16, expected: total, what: "\(count) images of \(rows)×\(cols)")
        return (count, rows, cols, pixels)
    }

    /// The labels of an IDX file read into memory, already decompressed; `name` is for errors.
    public static func parseLabels(_ data: Data, name: String) throws -> [UInt8] {
        let count = try header(data, name: name, magic: labelsMagic, dimensions: 1)[0]
        return try payload(data, name: name, offset: 8, expected: count, what: "\(count) labels")
    }

    /// The images of an IDX file's bytes as stored (plain or gzip); `name` is for errors.
    public static func readImages(fileBytes: Data, name: String) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        try parseImages(try contents(of: fileBytes, name: name, magic: imagesMagic, dimensions: 3), name: name)
    }

    /// The labels of an IDX file's bytes as stored (plain or gzip); `name` is for errors.
    public static func readLabels(fileBytes: Data, name: String) throws -> [UInt8] {
        try parseLabels(try contents(of: fileBytes, name: name, magic: labelsMagic, dimensions: 1), name: name)
    }

    /// The decompressed bytes of a file's `raw` bytes. A gzip file inflates no further than the
    /// size its header declares (header + the product of the dimensions, checked against
    /// memory), so a gzip bomb stops at that size with an error instead of filling memory.
    private static func contents(of raw: Data, name: String, magic: UInt32, dimensions: Int) throws -> Data {
        guard GzipFile.isGzip(raw) else { return raw }
        let headerSize = 4 * (1 + dimensions)
        let dims = try header(try GzipFile.prefix(raw, count: headerSize, name: name), name: name, magic: magic, dimensions: dimensions)
        let values: Int
        do {
            values = try MemoryBudget.require(dims, bytesEach: 1, for: "the \(dims.map(String.init).joined(separator: "×")) values its header declares")
        } catch {
            throw FileFormatError(file: name, problem: "\(error)")
        }
        let declared = headerSize + values
        return try GzipFile.decompress(raw, name: name, limit: declared, limitSource: "its IDX header (\(declared) bytes)")
    }

    /// The `dimensions` sizes after a checked magic number.
    private static func header(_ data: Data, name: String, magic: UInt32, dimensions: Int) throws -> [Int] {
        let headerSize = 4 * (1 + dimensions)
        guard data.count >= 4 else {
            throw FileFormatError(file: name, problem: "truncated: \(data.count) bytes, shorter than the \(headerSize)-byte IDX header")
        }
        let found = bigEndianUInt32(data, at: 0)
        guard found == magic else {
            var problem = "bad magic \(hex(found)), expected \(hex(magic)) (IDX \(magic == imagesMagic ? "images" : "labels"))"
            if found == imagesMagic { problem += "; this is an IDX image file" }
            if found == labelsMagic { problem += "; this is an IDX label file" }
            throw FileFormatError(file: name, problem: problem)
        }
        guard data.count >= headerSize else {
            throw FileFormatError(file: name, problem: "truncated: \(data.count) bytes, shorter than the \(headerSize)-byte IDX header")
        }
        return (1...dimensions).map { Int(bigEndianUInt32(data, at: 4 * $0)) }
    }

    /// The `expected` bytes after the header, which must be all the file holds.
    private static func payload(_ data: Data, name: String, offset: Int, expected: Int, what: String) throws -> [UInt8] {
        let present = data.count - offset
        guard present >= expected else {
            throw FileFormatError(file: name, problem: "truncated: header says \(what) (\(expected) bytes of data), file has \(present)")
        }
        guard present == expected else {
            throw FileFormatError(file: name, problem: "\(present - expected) bytes after the \(what) the header announces")
        }
        return copyBytes(data, from: offset, count: expected)
    }

    /// `count` bytes of `data` from `offset`, copied in one block.
    private static func copyBytes(_ data: Data, from offset: Int, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            data.withUnsafeBytes { raw in
                if count > 0 { out.baseAddress!.initialize(from: raw.bindMemory(to: UInt8.self).baseAddress! + offset, count: count) }
            }
            initialized = count
        }
    }

    private static func bigEndianUInt32(_ data: Data, at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(data[data.startIndex + offset + $1]) }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
