import Foundation
import XCTest
@testable import GraphPruneIO


/// A fresh directory under the system temporary directory, removed after `body`.
func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("graphprune-io-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(directory)
}

/// Asserts that `expression` throws a `FileFormatError` whose problem contains `fragment`.
func assertFormatError<T>(
    _ expression: @autoclosure () throws -> T, contains fragment: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try expression()
        XCTFail("expected a FileFormatError containing \"\(fragment)\", got a value", file: file, line: line)
    } catch let error as FileFormatError {
        XCTAssertTrue(
            error.problem.contains(fragment),
            "problem \"\(error.problem)\" does not contain \"\(fragment)\"", file: file, line: line)
        XCTAssertFalse(error.problem.contains("\n"), "problem spans several lines", file: file, line: line)
    } catch {
        XCTFail("expected a FileFormatError, got \(error)", file: file, line: line)
    }
}

/// Little-endian bytes of an integer, for hand-built files.
func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// A tiny deterministic generator (xorshift64*) for the byte-mutation tests.
struct TestBytes {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
