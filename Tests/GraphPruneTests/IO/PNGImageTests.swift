import XCTest
@testable import GraphPruneIO

/// PNG files as the format defines them: signature, chunks with their CRC-32, the IHDR fields,
/// and IDAT data that inflates to the filter-0 scanlines.
final class PNGImageTests: XCTestCase {
    func testCRC32IsTheStandardOne() {
        XCTAssertEqual(ZlibStream.crc32(Array("123456789".utf8)), 0xCBF4_3926)  // the CRC-32 check value
        XCTAssertEqual(ZlibStream.crc32([]), 0)
    }

    func testDeflateRoundTripsAndIsDeterministic() {
        let bytes: [UInt8] = (0..<5000).map { (i: Int) -> UInt8 in UInt8((i * 7 + i / 13) % 256) }
        let stream = ZlibStream.deflate(bytes)
        XCTAssertEqual(stream, ZlibStream.deflate(bytes))
        XCTAssertEqual(stream.first, 0x78, "a zlib header (deflate, 32 KiB window)")
        XCTAssertEqual(ZlibStream.inflate(stream, count: bytes.count), bytes)
        XCTAssertNil(ZlibStream.inflate(stream, count: bytes.count - 1), "another length is an error")
        XCTAssertNil(ZlibStream.inflate(Array(stream.dropLast(3)), count: bytes.count), "a truncated stream is an error")
    }

    func testAnImageIsItsChunks() throws {
        let pixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]  // 3 × 2
        let file = PNGImage(width: 3, height: 2, pixels: pixels).encoded()
        XCTAssertEqual(Array(file.prefix(8)), PNGImage.signature)
        var offset = 8, chunks = [(String, [UInt8])]()
        while offset < file.count {
            let length = file[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let typed = Array(file[offset + 4..<offset + 8 + length])
            let crc = file[offset + 8 + length..<offset + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            XCTAssertEqual(crc, ZlibStream.crc32(typed), "chunk CRC")
            chunks.append((String(decoding: typed.prefix(4), as: UTF8.self), Array(typed.dropFirst(4))))
            offset += 12 + length
        }
        XCTAssertEqual(chunks.map(\.0), ["IHDR", "IDAT", "IEND"])
        XCTAssertEqual(chunks[0].1, [0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0])
        XCTAssertEqual(ZlibStream.inflate(chunks[1].1, count: 2 * (1 + 9)), [0] + pixels[0..<9] + [0] + pixels[9..<18])
        XCTAssertEqual(chunks[2].1, [])
    }
}
