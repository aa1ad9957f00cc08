import Foundation
import XCTest
@testable import GraphPruneIO


final class DataIDXTests: XCTestCase {
    func testReadsPlainAndGzippedFiles() throws {
        try DataFixtures.withDirectory { directory in
            let images = DataFixtures.idxImages(count: 4, rows: 3, cols: 4)
            let labels = DataFixtures.idxLabels([3, 1, 4, 1])
            for compressed in [false, true] {
                let suffix = compressed ? ".gz" : ""
                let imageURL = try DataFixtures.write(compressed ? DataFixtures.gzip(images) : images, to: directory, "img\(suffix)")
                let labelURL = try DataFixtures.write(compressed ? DataFixtures.gzip(labels) : labels, to: directory, "lab\(suffix)")
                let stack = try IDXFile.readImages(imageURL)
                XCTAssertEqual(stack.count, 4)
                XCTAssertEqual(stack.rows, 3)
                XCTAssertEqual(stack.cols, 4)
                XCTAssertEqual(stack.pixels, DataFixtures.pixels(count: 4, rows: 3, cols: 4))
                XCTAssertEqual(try IDXFile.readLabels(labelURL), [3, 1, 4, 1])
                let both = try IDXFile.readLabeledImages(images: imageURL, labels: labelURL)
                XCTAssertEqual(both.labels, [3, 1, 4, 1])
                XCTAssertEqual(both.pixels.count, 48)
            }
        }
    }

    func testZeroImagesIsValid() throws {
        let empty = try IDXFile.parseImages(Data(DataFixtures.idxImages(count: 0, rows: 28, cols: 28)), name: "e")
        XCTAssertEqual(empty.count, 0)
        XCTAssertEqual(empty.pixels, [])
    }

    func testBadMagicNamesBothNumbers() {
        let labels = Data(DataFixtures.idxLabels([1, 2]))
        assertDataFormatError(
            try IDXFile.parseImages(labels, name: "swapped"), contains: "bad magic 0x00000801, expected 0x00000803", path: "swapped")
        assertDataFormatError(try IDXFile.parseImages(labels, name: "swapped"), contains: "this is an IDX label file")
        let images = Data(DataFixtures.idxImages(count: 1, rows: 3, cols: 4))
        assertDataFormatError(try IDXFile.parseLabels(images, name: "swapped"), contains: "expected 0x00000801")
        let other = Data(DataFixtures.idxImages(count: 1, rows: 3, cols: 4, magic: 0x0000_0D03))
        assertDataFormatError(try IDXFile.parseImages(other, name: "f"), contains: "bad magic 0x00000d03")
    }

    func testTruncatedFilesThrow() {
        let images = DataFixtures.idxImages(count: 3, rows: 3, cols: 4)
        assertDataFormatError(try IDXFile.parseImages(Data(images[..<10]), name: "h"), contains: "truncated: 10 bytes, shorter than the 16-byte IDX header")
        assertDataFormatError(
            try IDXFile.parseImages(Data(images.dropLast()), name: "i"),
            contains: "truncated: header says 3 images of 3×4 (36 bytes of data), file has 35")
        let labels = DataFixtures.idxLabels([1, 2, 3])
        assertDataFormatError(try IDXFile.parseLabels(Data(labels.dropLast(2)), name: "l"), contains: "truncated: header says 3 labels")
        assertDataFormatError(try IDXFile.parseLabels(Data(labels[..<5]), name: "l"), contains: "shorter than the 8-byte IDX header")
    }

    func testTrailingBytesThrow() {
        let labels = DataFixtures.idxLabels([1, 2, 3]) + [0, 0]
        assertDataFormatError(try IDXFile.parseLabels(Data(labels), name: "l"), contains: "2 bytes after the 3 labels")
    }

    func testTruncatedGzipFileNamesThePath() throws {
        try DataFixtures.withDirectory { directory in
            let compressed = DataFixtures.gzip(DataFixtures.idxImages(count: 3, rows: 3, cols: 4))
            let url = try DataFixtures.write(Array(compressed.dropLast(12)), to: directory, "cut.gz")
            assertDataFormatError(try IDXFile.readImages(url), contains: "truncated gzip stream", path: url.path)
        }
    }

    func testMissingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/graphprune/none-idx3-ubyte")
        assertDataFormatError(try IDXFile.readImages(url), contains: "cannot be read", path: url.path)
    }

    func testCountMismatchBetweenImagesAndLabels() throws {
        try DataFixtures.withDirectory { directory in
            let images = try DataFixtures.write(DataFixtures.idxImages(count: 3, rows: 3, cols: 4), to: directory, "img")
            let labels = try DataFixtures.write(DataFixtures.idxLabels([1, 2]), to: directory, "lab")
            assertDataFormatError(
                try IDXFile.readLabeledImages(images: images, labels: labels),
                contains: "count mismatch: 3 images but \(labels.path) has 2 labels", path: images.path)
        }
    }
}
