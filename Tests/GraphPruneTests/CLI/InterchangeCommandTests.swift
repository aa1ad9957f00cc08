import Foundation
import XCTest
@testable import GraphPruneIO
@testable import GraphPruneInterchange
@testable import GraphPruneNetwork
@testable import GraphPruneNumerics
@testable import GraphPruneCLI

/// `predict`, `export`, ONNX models in `train`, `evaluate`, `finetune` and `prune`, and the input
/// preprocessing that travels with a model.
final class InterchangeCommandTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-interchange") }
    override func tearDown() { directory = nil }

    private func path(_ name: String) -> String { directory.path(name) }

    func testPredictWritesTheLogitsOfInputsAsGiven() throws {
        let fixtures = ONNXImportTests.fixtures
        let out = path("y.npy")
        try PredictCommand.parse([
            "--model", fixtures.appendingPathComponent("resnet-bn.onnx").path,
            "--inputs", fixtures.appendingPathComponent("resnet-bn-input.npy").path, "--output", out, "--batch", "3",
        ]).run()
        let y = try NumPyFile.read(from: URL(fileURLWithPath: out))
        let reference = try ONNXImportTests.reference("resnet-bn").logits
        XCTAssertEqual(y.shape, [4, 5])
        let worst = zip(try y.matrix(Float.self, name: out).elements, reference.elements).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5)
        // Inputs of another layout are refused, naming the shapes.
        XCTAssertThrowsError(try PredictCommand.parse([
            "--model", fixtures.appendingPathComponent("resnet-bn.onnx").path,
            "--inputs", fixtures.appendingPathComponent("mlp-input.npy").path, "--output", path("z.npy"),
        ]).run()) { XCTAssertTrue("\($0)".contains("has shape [4, 12]; the model takes N × 3 × 16 × 16"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("z.npy")))
    }

    func testPreprocessingTravelsWithTheModel() throws {
        // graphprune's own model saved as ONNX records its standardisation.
        let own = path("own.onnx")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "1", "--seed", "3", "--save", own]).run()
        XCTAssertEqual(try ModelFile.load(URL(fileURLWithPath: own)).metadata["preprocessing"], "standardize")
        try EvaluateCommand.parse(["--model", own, "--dataset", "synthetic", "--seed", "3"]).run()

        // A foreign ONNX model records none: evaluate says what to give.
        let foreign = path("foreign.onnx")
        try ONNXExport.write(try ModelFile.load(URL(fileURLWithPath: own)).model, to: URL(fileURLWithPath: foreign))
        XCTAssertThrowsError(try EvaluateCommand.parse(["--model", foreign, "--dataset", "synthetic"]).run()) {
            XCTAssertTrue("\($0)".hasPrefix("--model: \(foreign) records no input preprocessing"), "\($0)")
        }
        XCTAssertThrowsError(try EvaluateCommand.parse(["--model", foreign, "--dataset", "synthetic", "--input-mean", "0,1"]).run()) {
            XCTAssertTrue("\($0)".contains("2 values for 64 channels"), "\($0)")
        }
        XCTAssertThrowsError(try EvaluateCommand.parse(["--model", foreign, "--dataset", "synthetic", "--input-std", "0"]).run()) {
            XCTAssertTrue("\($0)".contains("standard deviations [0.0] must be positive"), "\($0)")
        }
        // Given once, it is recorded in what finetune and prune write.
        let tuned = path("tuned.onnx")
        try FinetuneCommand.parse([
            "--model", foreign, "--dataset", "synthetic", "--input-scale", "2", "--input-mean", "0.5", "--input-std", "0.25",
            "--epochs", "1", "--save", tuned,
        ]).run()
        XCTAssertEqual(try ModelFile.load(URL(fileURLWithPath: tuned)).metadata["preprocessing"], "scale=2.0 mean=0.5 std=0.25")
        let pruned = path("pruned.safetensors")
        try PruneCommand.parse(["--model", tuned, "--granularity", "neuron", "--scorer", "magnitude", "--ratio", "0.5", "--output", pruned]).run()
        XCTAssertEqual(try ModelFile.load(URL(fileURLWithPath: pruned)).metadata["preprocessing"], "scale=2.0 mean=0.5 std=0.25")
        try EvaluateCommand.parse(["--model", pruned, "--dataset", "synthetic"]).run()
    }

    func testNormalisationIsPerChannelOnTheLoadedValues() throws {
        let shape = ImageShape(channels: 2, height: 1, width: 2)
        let data = LabeledData(features: Matrix(rows: 1, columns: 4, elements: [0, 0.5, 1, 0.25]), labels: [0], shape: shape, classCount: 2)
        var split = DataSplit(train: data, test: data)
        try InputPreprocessing(scale: 255, mean: [100, 50], std: [10, 5]).apply(to: &split)
        XCTAssertEqual(split.train.features.elements, [-10, 2.75, 41, 2.75])
        XCTAssertEqual(split.test.features.elements, split.train.features.elements)
        XCTAssertEqual(try InputPreprocessing(metadataValue: "scale=255.0 mean=100.0,50.0 std=10.0,5.0"), .normalization(scale: 255, mean: [100, 50], std: [10, 5]))
        XCTAssertEqual(try InputPreprocessing(metadataValue: "standardize(train mean, train std)"), .standardization)
        XCTAssertThrowsError(try InputPreprocessing(metadataValue: "scale=1 mean=x std=1"))
    }

    func testExportWritesStateDictsAndONNX() throws {
        let model = path("m.safetensors")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "0", "--seed", "1", "--save", model]).run()
        for out in ["m.onnx", "again.safetensors"] {
            try ExportCommand.parse(["--model", out == "m.onnx" ? model : path("m.onnx"), "--output", path(out)]).run()
        }
        let (a, b) = (try ModelFile.load(URL(fileURLWithPath: model)).model, try ModelFile.load(URL(fileURLWithPath: path("again.safetensors"))).model)
        XCTAssertEqual(a.architecture, b.architecture)
        let x = NetworkTestSupport.matrix(3, 64, seed: 2)
        XCTAssertEqual(a.logits(x).elements, b.logits(x).elements)
        XCTAssertThrowsError(try ExportCommand.parse(["--model", path("missing.onnx"), "--output", path("x.onnx")]).run())
    }
}

extension InterchangeCommandTests {
    /// Preprocessing that would turn inputs into 0, ∞ or NaN, or numbers written as hex, are
    /// refused; so is an empty `.npy` set.
    func testNonsensePreprocessingAndEmptyDataAreRefused() throws {
        let model = ONNXImportTests.fixtures.appendingPathComponent("mlp.onnx").path
        for (option, value, fragment) in [
            ("--input-std", "1e-300", "not a usable Float factor"), ("--input-scale", "1e-320", "not a usable Float factor"),
            ("--input-mean", "1e300", "overflows a Float"), ("--input-mean", "0x10", "is not a comma-separated list of numbers"),
            ("--input-std", "nan", "is not a comma-separated list of numbers"),
        ] {
            XCTAssertThrowsError(try EvaluateCommand.parse(["--model", model, "--dataset", "synthetic", option, value]).run(), option) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
        }
        let directory = try TemporaryDirectory("graphprune-empty")
        try NumPyFile.write(Tensor(shape: [0, 12], storage: .float32([])), to: directory.url.appendingPathComponent("train_x.npy"))
        for name in ["train_y.npy", "test_y.npy"] {
            try NumPyFile.write(Tensor(shape: [0], storage: .float32([])), to: directory.url.appendingPathComponent(name))
        }
        try NumPyFile.write(Tensor(shape: [0, 12], storage: .float32([])), to: directory.url.appendingPathComponent("test_x.npy"))
        XCTAssertThrowsError(try Dataset.npy.load(directory: directory.url.path, seed: 0)) {
            XCTAssertTrue("\($0)".contains("N ≥ 1"), "\($0)")
        }
    }
}

extension InterchangeCommandTests {
    /// An output path that is a device or a symbolic link is refused before any work.
    func testOutputsMustBeRegularFiles() throws {
        let link = path("link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path("target"))
        for destination in ["/dev/null", link] {
            XCTAssertThrowsError(try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "1", "--save", destination]).run()) {
                XCTAssertTrue("\($0)".hasPrefix("--save: \(destination) exists and is not a regular file"), "\($0)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("target")))
    }
}
