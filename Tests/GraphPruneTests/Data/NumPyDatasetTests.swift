import Foundation
import XCTest
@testable import GraphPruneIO
@testable import GraphPruneNumerics
@testable import GraphPruneCLI

/// Your own data as four `.npy` files (`--dataset npy --data-dir DIR`).
final class NumPyDatasetTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-npy") }
    override func tearDown() { directory = nil }

    private func write(_ name: String, _ shape: [Int], _ values: [Double]) throws {
        try NumPyFile.write(Tensor(shape: shape, storage: .float64(values)), to: directory.url.appendingPathComponent(name))
    }

    /// Images `N × 2 × 2 × 3` with labels 0…2 (train) and 0…1 (test).
    private func writeImages() throws {
        try write("train_x.npy", [4, 2, 2, 3], (0..<48).map { Double($0) / 48 })
        try write("train_y.npy", [4], [0, 2, 1, 2])
        try write("test_x.npy", [2, 2, 2, 3], (0..<24).map { Double($0) / 24 })
        try write("test_y.npy", [2], [1, 0])
    }

    func testLoadsImagesAndLabelsAsGiven() throws {
        try writeImages()
        let (shape, classes) = try Dataset.npy.shape(directory: directory.url.path)
        XCTAssertEqual(shape, ImageShape(channels: 2, height: 2, width: 3))
        XCTAssertEqual(classes, 3)
        let split = try Dataset.npy.load(directory: directory.url.path, seed: 0, preprocessing: try InputPreprocessing(scale: 1, mean: [0], std: [1]))
        XCTAssertEqual(split.train.labels, [0, 2, 1, 2])
        XCTAssertEqual(split.test.classCount, 3)
        XCTAssertEqual(split.train.features.elements, (0..<48).map { Float(Double($0) / 48) })
        // Training on it from the command line: standardised like graphprune's own sets.
        try TrainCommand.parse(["--dataset", "npy", "--data-dir", directory.url.path, "--arch", "c2-gap-3", "--epochs", "1", "--batch", "2"]).run()
    }

    func testBadFilesAreOneLineErrors() throws {
        XCTAssertThrowsError(try Dataset.npy.shape(directory: directory.url.path)) {
            XCTAssertTrue("\($0)".contains("expected train_x.npy, train_y.npy, test_x.npy, test_y.npy"), "\($0)")
        }
        XCTAssertThrowsError(try Dataset.npy.load(directory: nil, seed: 0)) { XCTAssertTrue("\($0)".contains("--data-dir"), "\($0)") }
        try writeImages()
        try write("test_y.npy", [2], [1, 0.5])
        XCTAssertThrowsError(try Dataset.npy.load(directory: directory.url.path, seed: 0)) {
            XCTAssertTrue("\($0)".hasSuffix("test_y.npy: label 1 is 0.5; labels are whole numbers 0, 1, …"), "\($0)")
        }
        try write("test_y.npy", [3], [1, 0, 1])
        XCTAssertThrowsError(try Dataset.npy.load(directory: directory.url.path, seed: 0)) {
            XCTAssertTrue("\($0)".contains("test_y.npy: shape [3]; 2 labels are needed"), "\($0)")
        }
        try write("test_y.npy", [2], [1, 0])
        try write("test_x.npy", [2, 12], (0..<24).map(Double.init))
        XCTAssertThrowsError(try Dataset.npy.load(directory: directory.url.path, seed: 0)) {
            XCTAssertTrue("\($0)".contains("test_x.npy: samples of shape 1×1×12, train_x.npy's are 2×2×3"), "\($0)")
        }
    }
}
