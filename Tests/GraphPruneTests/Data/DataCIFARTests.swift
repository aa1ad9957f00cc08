import Foundation
import XCTest
@testable import GraphPruneIO


final class DataCIFARTests: XCTestCase {
    /// Writes the six batch files, two records each; batch `b` (1…5) has labels `[b, 9 − b]`,
    /// the test batch `[0, 9]`.
    private func writeTinyCIFAR(in directory: URL) throws {
        for b in 1...5 {
            try DataFixtures.write(DataFixtures.cifarRecords([UInt8(b), UInt8(9 - b)]), to: directory, "data_batch_\(b).bin")
        }
        try DataFixtures.write(DataFixtures.cifarRecords([0, 9]), to: directory, "test_batch.bin")
    }

    func testLoadsTinyBatches() throws {
        try DataFixtures.withDirectory { directory in
            try writeTinyCIFAR(in: directory)
            let split = try CIFAR10.load(directory: directory)
            XCTAssertEqual(split.train.count, 10)
            XCTAssertEqual(split.test.count, 2)
            XCTAssertEqual(split.train.shape, ImageShape(channels: 3, height: 32, width: 32))
            XCTAssertEqual(split.train.features.columns, 3072)
            XCTAssertEqual(split.train.classCount, 10)
            XCTAssertEqual(split.train.labels, [1, 8, 2, 7, 3, 6, 4, 5, 5, 4])
            XCTAssertEqual(split.test.labels, [0, 9])
            // Record 1 of a file: pixel p is (7 + p) mod 256; R plane first, then G, then B.
            let row = Array(split.train.features.row(3))
            XCTAssertEqual(row[0], 7 / 255)
            XCTAssertEqual(row[1024], Float((7 + 1024) % 256) / 255)  // first green pixel
            XCTAssertEqual(row[3071], Float((7 + 3071) % 256) / 255)  // last blue pixel
            XCTAssertEqual(Array(split.test.features.row(0)), (0..<3072).map { Float($0 % 256) / 255 })
        }
    }

    func testAcceptsTheArchiveFolder() throws {
        try DataFixtures.withDirectory { directory in
            let folder = directory.appendingPathComponent("cifar-10-batches-bin")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try writeTinyCIFAR(in: folder)
            XCTAssertEqual(try CIFAR10.load(directory: directory).train.count, 10)
        }
    }

    func testMissingDatasetIsOneClearLine() throws {
        try DataFixtures.withDirectory { directory in
            do {
                _ = try CIFAR10.load(directory: directory)
                XCTFail("expected DatasetMissingError")
            } catch let error as DatasetMissingError {
                let line = error.description
                XCTAssertFalse(line.contains("\n"))
                XCTAssertTrue(line.hasPrefix("CIFAR10 not found in \(directory.path): expected data_batch_1.bin, "), line)
                XCTAssertTrue(line.contains("data_batch_5.bin, test_batch.bin"))
                XCTAssertTrue(line.contains("--data-dir DIR"))
                XCTAssertEqual(error.missingFiles.count, 6)
            }
        }
    }

    func testMalformedBatchesThrow() throws {
        try DataFixtures.withDirectory { directory in
            try writeTinyCIFAR(in: directory)
            let file = try DataFixtures.write(Array(DataFixtures.cifarRecords([1, 2]).dropLast()), to: directory, "data_batch_3.bin")
            assertDataFormatError(
                try CIFAR10.load(directory: directory), contains: "size 6145 bytes is not a positive whole number of 3073-byte records",
                path: file.path)
            try DataFixtures.write(DataFixtures.cifarRecords([1, 12]), to: directory, "data_batch_3.bin")
            assertDataFormatError(try CIFAR10.load(directory: directory), contains: "record 1: label 12 is not below 10", path: file.path)
        }
    }
}
