import Foundation
import XCTest
@testable import GraphPruneIO


final class NpyErrorIOTests: XCTestCase {
    func npy(_ header: String, payload: [UInt8] = NpyIOTests.doubles([1, 2, 3, 4, 5, 6])) -> Data {
        NpyIOTests.npyBytes(header: header, payload: payload)
    }

    func testBadMagicAndVersion() {
        assertFormatError(try NumPyFile.read(data: Data("PK\u{3}\u{4}hello world".utf8), name: "x"), contains: "not a .npy file (bad magic)")
        assertFormatError(try NumPyFile.read(data: Data(), name: "x"), contains: "truncated")
        var data = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }")
        data[6] = 4
        assertFormatError(try NumPyFile.read(data: data, name: "x"), contains: "unsupported .npy format version 4.0")
    }

    func testIntegersReadAsDoubles() throws {
        // Labels as NumPy saves them: int64, uint8, big-endian int16 (exact in Double).
        let cases: [(String, [UInt8], [Double])] = [
            ("<i8", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0, 0, 0, 0, 0], [-1, 7]),
            ("|u1", [0, 255], [0, 255]),
            (">i2", [0xFF, 0xFE, 0x01, 0x00], [-2, 256]),
        ]
        for (descr, payload, values) in cases {
            let tensor = try NumPyFile.read(data: npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2,), }", payload: payload), name: "x")
            XCTAssertEqual(tensor.storage, .float64(values), descr)
        }
    }

    func testUnsupportedDTypes() {
        assertFormatError(
            try NumPyFile.read(data: npy("{'descr': '<f2', 'fortran_order': False, 'shape': (12,), }"), name: "x"),
            contains: "unsupported dtype '<f2' (float32, float64 and integers only)")
        assertFormatError(
            try NumPyFile.read(data: npy("{'descr': '|O', 'fortran_order': False, 'shape': (6,), }"), name: "x"),
            contains: "object arrays")
        assertFormatError(
            try NumPyFile.read(data: npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,), }"), name: "x"),
            contains: "structured")
        assertFormatError(
            try NumPyFile.read(data: npy("{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }"), name: "x"),
            contains: "'<c16'")
    }

    func testMalformedHeaders() {
        let cases: [(String, String)] = [
            ("{'descr': '<f8', 'shape': (6,), }", "no 'fortran_order' key"),
            ("{'fortran_order': False, 'shape': (6,), }", "no 'descr' key"),
            ("{'descr': '<f8', 'fortran_order': False}", "no 'shape' key"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), 'x': 1}", "unexpected key 'x'"),
            ("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (6,)}", "repeats key 'descr'"),
            ("{'descr': '<f8', 'fortran_order': 0, 'shape': (6,)}", "'fortran_order' must be True or False"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': 6}", "'shape' must be a tuple"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 'a')}", "'shape' must be a tuple"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (-6,)}", "shape entry -6 is negative"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "shape entry 99999999999999999999 is too large"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "more elements than fit"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", "more bytes than fit"),
            ("{'descr': '<f8, 'fortran_order': False, 'shape': (6,)}", "malformed header"),
            ("{'descr': '<f8' 'fortran_order': False}", "malformed header: expected ',' or '}'"),
            ("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (6,)}", "unknown name 'Maybe'"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (6,)} junk", "unexpected text"),
            ("['descr', '<f8']", "not a dictionary"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 10_000), "nested too deeply"),
            ("", "unexpected end of header"),
        ]
        for (header, fragment) in cases {
            assertFormatError(try NumPyFile.read(data: npy(header), name: "x"), contains: fragment)
        }
    }

    func testTruncatedAndExtraData() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
        assertFormatError(
            try NumPyFile.read(data: NpyIOTests.npyBytes(header: header, payload: [UInt8](repeating: 0, count: 12)), name: "x"),
            contains: "truncated: header says 16 bytes of data, file has 12")
        assertFormatError(
            try NumPyFile.read(data: NpyIOTests.npyBytes(header: header, payload: [UInt8](repeating: 0, count: 20)), name: "x"),
            contains: "4 extra bytes after the data")
    }

    func testLyingHeaderLength() {
        var data = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }")
        data[8] = 0xFF
        data[9] = 0xFF
        assertFormatError(try NumPyFile.read(data: data, name: "x"), contains: "truncated: preamble says 65535 bytes of header")
        var short = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }")
        short[8] = 20  // the header now ends mid-dictionary
        short[9] = 0
        assertFormatError(try NumPyFile.read(data: short, name: "x"), contains: "malformed header")
    }

    func testEveryTruncationThrows() {
        let data = NumPyFile.encode(Tensor(shape: [2, 3], storage: .float32([1, 2, 3, 4, 5, 6])))
        for length in 0..<data.count {
            let cut = data.prefix(length)
            XCTAssertThrowsError(try NumPyFile.read(data: cut, name: "cut.npy"), "length \(length)") { error in
                XCTAssertTrue(error is FileFormatError)
            }
        }
        // A slice that does not start at index 0 reads like the whole file.
        let shifted = (Data([0xAA, 0xBB]) + data).dropFirst(2)
        XCTAssertEqual(try NumPyFile.read(data: shifted, name: "s.npy").shape, [2, 3])
    }

    func testRandomCorruptionNeverCrashes() {
        let original = NumPyFile.encode(Tensor(shape: [2, 2], storage: .float64([1, 2, 3, 4])), fortranOrder: true)
        var random = TestBytes(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<2_000 {
            var data = original
            for _ in 0..<(1 + random.below(4)) {
                data[random.below(64)] = UInt8(truncatingIfNeeded: random.next())
            }
            if let tensor = try? NumPyFile.read(data: data, name: "r.npy") {
                XCTAssertEqual(Tensor.elementCount(of: tensor.shape), tensor.elementCount)
            }
        }
    }

    func testMissingFile() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).npy")
        assertFormatError(try NumPyFile.read(from: url), contains: "cannot be read")
    }
}
