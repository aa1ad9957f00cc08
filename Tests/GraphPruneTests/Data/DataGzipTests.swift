import Foundation
import XCTest
@testable import GraphPruneIO


final class DataGzipTests: XCTestCase {
    func testRoundTripThroughZlib() throws {
        let original: [UInt8] = (0..<100_000).map { (i: Int) -> UInt8 in UInt8((i * 31 + i / 7) % 251) }
        let compressed = Data(DataFixtures.gzip(original))
        XCTAssertTrue(GzipFile.isGzip(compressed))
        XCTAssertLessThan(compressed.count, original.count)
        XCTAssertEqual(try GzipFile.decompress(compressed, name: "x.gz"), Data(original))
    }

    func testPlainInputIsReturnedUnchanged() throws {
        let plain = Data([0, 0, 8, 3, 1, 2, 3])
        XCTAssertFalse(GzipFile.isGzip(plain))
        XCTAssertEqual(try GzipFile.decompress(plain, name: "x"), plain)
        XCTAssertEqual(try GzipFile.decompress(Data(), name: "x"), Data())
        XCTAssertEqual(try GzipFile.decompress(Data([0x1F]), name: "x"), Data([0x1F]))
    }

    func testEmptyContentAndConcatenatedMembers() throws {
        XCTAssertEqual(try GzipFile.decompress(Data(DataFixtures.gzip([])), name: "e.gz"), Data())
        let joined = Data(DataFixtures.gzip([1, 2, 3]) + DataFixtures.gzip([4, 5]))
        XCTAssertEqual(try GzipFile.decompress(joined, name: "j.gz"), Data([1, 2, 3, 4, 5]))
    }

    func testOutputLargerThanTheSizeHintGrows() throws {
        // The size hint comes from the last member's trailer (2 bytes here): the buffer must grow.
        let big = [UInt8](repeating: 7, count: 3_000_000)
        let joined = Data(DataFixtures.gzip(big) + DataFixtures.gzip([1, 2]))
        XCTAssertEqual(try GzipFile.decompress(joined, name: "z.gz"), Data(big + [1, 2]))
    }

    func testTruncatedStreamThrows() {
        let compressed = DataFixtures.gzip((0..<5000).map { UInt8($0 % 256) })
        for cut in [2, 10, compressed.count / 2, compressed.count - 1] {
            assertDataFormatError(
                try GzipFile.decompress(Data(compressed[..<cut]), name: "cut.gz"), contains: "truncated", path: "cut.gz")
        }
    }

    func testCorruptStreamThrows() {
        var compressed = DataFixtures.gzip((0..<5000).map { UInt8($0 % 256) })
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32 of the trailer
        assertDataFormatError(try GzipFile.decompress(Data(compressed), name: "bad.gz"), contains: "corrupt gzip data")
    }

    func testTrailingGarbageThrows() {
        let compressed = DataFixtures.gzip([1, 2, 3]) + [0xAA, 0xBB, 0xCC]
        assertDataFormatError(
            try GzipFile.decompress(Data(compressed), name: "t.gz"), contains: "3 bytes after the end of the gzip stream")
    }
}
