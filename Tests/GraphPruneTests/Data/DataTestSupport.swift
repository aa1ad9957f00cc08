import CZlib
import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO


/// Hand-built data files for the tests of `Data/`.
enum DataFixtures {
    /// A fresh directory under the system temporary directory, removed after `body`.
    static func withDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("graphprune-data-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// Big-endian bytes of a 32-bit value.
    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// `count` images of `rows × cols` whose pixel `p` of image `i` is `(i · 37 + p · 11) mod 256`.
    static func pixels(count: Int, rows: Int, cols: Int) -> [UInt8] {
        (0..<count).flatMap { i in (0..<(rows * cols)).map { p in UInt8((i * 37 + p * 11) % 256) } }
    }

    /// An IDX image file (`magic` 0x803 unless a test wants a wrong one).
    static func idxImages(count: Int, rows: Int, cols: Int, magic: UInt32 = 0x0000_0803) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols))
            + pixels(count: count, rows: rows, cols: cols)
    }

    /// An IDX label file holding `labels`.
    static func idxLabels(_ labels: [UInt8], magic: UInt32 = 0x0000_0801) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(labels.count)) + labels
    }

    /// `bytes` compressed as one gzip member (zlib `deflate`, windowBits 15 + 16).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count + bytes.count / 2 + 128)
        var stream = z_stream()
        let initStatus = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "deflateInit2_ failed")
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish: \(status)")
                return target.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(output[..<produced])
    }

    /// Writes `bytes` to `directory/name`.
    @discardableResult
    static func write(_ bytes: [UInt8], to directory: URL, _ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// A tiny Fashion-MNIST look-alike in `directory`: 5 training and 3 test images of 3 × 4;
    /// the training files gzip-compressed, the test files plain. Returns the labels written.
    @discardableResult
    static func writeTinyFashionMNIST(in directory: URL) throws -> (train: [UInt8], test: [UInt8]) {
        let train: [UInt8] = [9, 0, 3, 3, 7]
        let test: [UInt8] = [1, 2, 0]
        try write(gzip(idxImages(count: 5, rows: 3, cols: 4)), to: directory, "train-images-idx3-ubyte.gz")
        try write(gzip(idxLabels(train)), to: directory, "train-labels-idx1-ubyte.gz")
        try write(idxImages(count: 3, rows: 3, cols: 4), to: directory, "t10k-images-idx3-ubyte")
        try write(idxLabels(test), to: directory, "t10k-labels-idx1-ubyte")
        return (train, test)
    }

    /// CIFAR-10 binary records: record `r` has label `labels[r]` and pixel `p` equal to
    /// `(r · 7 + p) mod 256` (so the planes R, G, B are pixels 0…1023, 1024…2047, 2048…3071).
    static func cifarRecords(_ labels: [UInt8]) -> [UInt8] {
        labels.enumerated().flatMap { r, label in [label] + (0..<3072).map { p in UInt8((r * 7 + p) % 256) } }
    }

    /// A small labelled set: `count` samples of `features` features, `sample i` feature `j`
    /// being `i · 100 + j`, labels `i mod classes`.
    static func labeled(count: Int, features: Int, classes: Int) -> LabeledData {
        LabeledData(
            features: Matrix(rows: count, columns: features, elements: (0..<(count * features)).map { Float(($0 / features) * 100 + $0 % features) }),
            labels: (0..<count).map { Int32($0 % classes) }, shape: .vector(features), classCount: classes)
    }
}

/// Asserts that `expression` throws a one-line `FileFormatError` whose problem contains `fragment`.
func assertDataFormatError<T>(
    _ expression: @autoclosure () throws -> T, contains fragment: String, path: String? = nil,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try expression()
        XCTFail("expected a FileFormatError containing \"\(fragment)\", got a value", file: file, line: line)
    } catch let error as FileFormatError {
        XCTAssertTrue(error.problem.contains(fragment), "problem \"\(error.problem)\" lacks \"\(fragment)\"", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "error spans several lines", file: file, line: line)
        if let path { XCTAssertEqual(error.file, path, file: file, line: line) }
    } catch {
        XCTFail("expected a FileFormatError, got \(error)", file: file, line: line)
    }
}
