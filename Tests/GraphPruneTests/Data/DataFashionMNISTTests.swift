import Foundation
import XCTest
@testable import GraphPruneIO


final class DataFashionMNISTTests: XCTestCase {
    func testLoadsTinyFilesGzippedAndPlain() throws {
        try DataFixtures.withDirectory { directory in
            let labels = try DataFixtures.writeTinyFashionMNIST(in: directory)
            let split = try FashionMNIST.load(directory: directory)
            XCTAssertEqual(split.train.count, 5)
            XCTAssertEqual(split.test.count, 3)
            XCTAssertEqual(split.train.shape, ImageShape(channels: 1, height: 3, width: 4))
            XCTAssertEqual(split.train.features.columns, 12)
            XCTAssertEqual(split.train.classCount, 10)
            XCTAssertEqual(split.train.labels, labels.train.map { Int32($0) })
            XCTAssertEqual(split.test.labels, labels.test.map { Int32($0) })
            let expected = DataFixtures.pixels(count: 5, rows: 3, cols: 4).map { Float($0) / 255 }
            XCTAssertEqual(split.train.features.elements, expected)
            XCTAssertEqual(split.test.features.row(2).first, Float((2 * 37) % 256) / 255)
        }
    }

    func testPrefersTheGzippedFileWhenBothExist() throws {
        try DataFixtures.withDirectory { directory in
            try DataFixtures.writeTinyFashionMNIST(in: directory)
            // A broken plain copy next to the good .gz must not be read.
            try DataFixtures.write([1, 2, 3], to: directory, "train-images-idx3-ubyte")
            XCTAssertEqual(try FashionMNIST.load(directory: directory).train.count, 5)
        }
    }

    func testMissingDatasetIsOneClearLine() throws {
        try DataFixtures.withDirectory { directory in
            let empty = directory.appendingPathComponent("no-such-dir")
            do {
                _ = try FashionMNIST.load(directory: empty)
                XCTFail("expected DatasetMissingError")
            } catch let error as DatasetMissingError {
                let line = error.description
                XCTAssertFalse(line.contains("\n"))
                XCTAssertTrue(line.hasPrefix("FashionMNIST not found in \(empty.path): expected "), line)
                for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
                    XCTAssertTrue(line.contains(name), "\(line) lacks \(name)")
                }
                XCTAssertTrue(line.contains("dataset-fashion-mnist"))
                XCTAssertTrue(line.contains("sudo apt-get install dataset-fashion-mnist"))
                XCTAssertTrue(line.contains("--data-dir DIR"))
                XCTAssertEqual(error.missingFiles.count, 4)
            }
        }
    }

    func testPartlyMissingDatasetListsWhatIsMissing() throws {
        try DataFixtures.withDirectory { directory in
            try DataFixtures.writeTinyFashionMNIST(in: directory)
            try FileManager.default.removeItem(at: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
            XCTAssertThrowsError(try FashionMNIST.load(directory: directory)) { error in
                XCTAssertEqual((error as? DatasetMissingError)?.missingFiles, ["t10k-labels-idx1-ubyte.gz"])
            }
        }
    }

    func testMismatchedCountsAndBadLabelsThrow() throws {
        try DataFixtures.withDirectory { directory in
            try DataFixtures.writeTinyFashionMNIST(in: directory)
            let labels = try DataFixtures.write(DataFixtures.idxLabels([1, 2]), to: directory, "t10k-labels-idx1-ubyte")
            assertDataFormatError(
                try FashionMNIST.load(directory: directory), contains: "3 images but \(labels.path) has 2 labels",
                path: directory.appendingPathComponent("t10k-images-idx3-ubyte").path)
            try DataFixtures.write(DataFixtures.idxLabels([1, 10, 2]), to: directory, "t10k-labels-idx1-ubyte")
            assertDataFormatError(try FashionMNIST.load(directory: directory), contains: "label 10 of sample 1 is not below 10", path: labels.path)
        }
    }

    func testTestImagesOfAnotherSizeThrow() throws {
        try DataFixtures.withDirectory { directory in
            try DataFixtures.writeTinyFashionMNIST(in: directory)
            try DataFixtures.write(DataFixtures.idxImages(count: 3, rows: 4, cols: 3), to: directory, "t10k-images-idx3-ubyte")
            assertDataFormatError(try FashionMNIST.load(directory: directory), contains: "test images are 4×3, training images 3×4")
        }
    }

    /// The real data set of the Debian package, when installed.
    func testLoadsTheRealDataSet() throws {
        let directory = FashionMNIST.defaultDirectory
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw XCTSkip("Fashion-MNIST is not installed in \(directory.path) (apt-get install dataset-fashion-mnist)")
        }
        let start = Date()
        let split = try FashionMNIST.load()
        let seconds = Date().timeIntervalSince(start)
        print("Fashion-MNIST loaded in \(String(format: "%.2f", seconds)) s")
        XCTAssertEqual(split.train.count, 60000)
        XCTAssertEqual(split.test.count, 10000)
        XCTAssertEqual(split.train.features.columns, 784)
        XCTAssertEqual(split.train.shape, ImageShape(channels: 1, height: 28, width: 28))
        for set in [split.train, split.test] {
            XCTAssertTrue(set.labels.allSatisfy { (0..<10).contains($0) })
            XCTAssertEqual(set.classSizes, [Int](repeating: set.count / 10, count: 10))
            var (low, high) = (Float.infinity, -Float.infinity)
            set.features.elements.withUnsafeBufferPointer { x in
                let base = x.baseAddress!
                for i in 0..<x.count {
                    low = min(low, base[i])
                    high = max(high, base[i])
                }
            }
            XCTAssertEqual(low, 0)
            XCTAssertEqual(high, 1)
        }
        XCTAssertLessThan(seconds, 10, "loading should take about a second even in a debug build")
    }
}
