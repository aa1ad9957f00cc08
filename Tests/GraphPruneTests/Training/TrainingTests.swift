import Foundation
import XCTest
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPruneCLI

final class TrainingTests: XCTestCase {
    private func synthetic() -> DataSplit {
        var split = SyntheticClassification.make(classes: 5, features: 20, trainCount: 600, testCount: 200, seed: 3)
        let s = Standardization(fitting: split.train)
        s.apply(to: &split.train)
        s.apply(to: &split.test)
        return split
    }

    func testMultilayerPerceptronShorthand() throws {
        let a = try Architecture.multilayerPerceptron("784-256-10", dropout: 0.3)
        XCTAssertEqual(a.layers, [.dense(outputs: 256), .relu, .dropout(rate: 0.3), .dense(outputs: 10)])
        XCTAssertEqual(a.sizes, [784, 256, 256, 256, 10])
        XCTAssertEqual(a.summary, "784-256-10")
        XCTAssertEqual(try Architecture.fromJSON(a.json(), name: "x"), a)
        XCTAssertEqual(try Architecture.multilayerPerceptron("20-5").layers, [.dense(outputs: 5)])
        for bad in ["784", "784-0-10", "784--10", "a-b", ""] {
            XCTAssertThrowsError(try Architecture.multilayerPerceptron(bad), bad)
        }
        XCTAssertThrowsError(try Architecture.multilayerPerceptron("4-4", dropout: 1))
    }

    func testConvolutionalAndSparseSpecs() throws {
        let cnn = try Architecture.parse("c8-c8/5-p-v16-gap-32-10", inputShape: [1, 12, 12], dropout: 0.5)
        XCTAssertEqual(cnn.layers, [
            .conv2d(filters: 8, kernel: 3, same: true), .relu, .conv2d(filters: 8, kernel: 5, same: true), .relu,
            .maxPool(size: 2), .conv2d(filters: 16, kernel: 3, same: false), .relu, .globalAveragePooling,
            .dense(outputs: 32), .relu, .dropout(rate: 0.5), .dense(outputs: 10),
        ])
        XCTAssertEqual(try cnn.shapes().last, [1, 1, 10])
        XCTAssertEqual(try cnn.shapes()[5], [1 * 8, 6, 6])
        XCTAssertEqual(cnn.sizes[7], 16 * 4 * 4)
        let sparse = try Architecture.parse("20-16-5", inputShape: nil, activation: .srelu, sparseEpsilon: 3)
        XCTAssertEqual(sparse.layers, [.sparseDense(outputs: 16, epsilon: 3), .srelu, .dense(outputs: 5)])
        XCTAssertThrowsError(try Architecture.parse("c8-10", inputShape: nil))       // shape from the data
        XCTAssertThrowsError(try Architecture.parse("c8-p-p-p-p-10", inputShape: [1, 8, 8]))  // pools too far
        XCTAssertThrowsError(try Architecture.parse("c8-x-10", inputShape: [1, 8, 8]))
        XCTAssertThrowsError(try Architecture.parse("784-10", inputShape: [1, 28, 27]))
        XCTAssertThrowsError(try Architecture.parse("c8-p", inputShape: [1, 8, 8]))  // must end with classes
    }

    func testEveryLayerKindRoundTripsThroughACheckpoint() throws {
        let images = SyntheticClassification.make(classes: 3, features: 36, trainCount: 60, testCount: 30, seed: 1)
        // Reinterpret the 36 features as 1×6×6 images.
        func asImages(_ d: LabeledData) -> LabeledData {
            LabeledData(features: d.features, labels: d.labels, shape: ImageShape(channels: 1, height: 6, width: 6), classCount: d.classCount)
        }
        let data = DataSplit(train: asImages(images.train), test: asImages(images.test))
        let architecture = try Architecture.parse("c4-p-v3/2-12-3", inputShape: [1, 6, 6], activation: .srelu, dropout: 0.2, sparseEpsilon: 2)
        var model = Network(architecture: architecture, initializer: .kaimingNormal, seed: 5)
        var settings = TrainingSettings(epochs: 2)
        settings.batchSize = 16
        settings.augment = true
        try Trainer.fit(&model, data: data, settings: settings)
        let directory = try TemporaryDirectory()
        let url = URL(fileURLWithPath: directory.path("kinds.safetensors"))
        try ModelCheckpoint.save(model, to: url)
        let names = Set(try SafetensorsFile.read(from: url).tensors.keys)
        XCTAssertTrue(names.isSuperset(of: ["layers.0.weight", "layers.1.t_left", "layers.4.a_right", "layers.5.weight_mask", "layers.5.weight", "layers.8.weight"]), "\(names.sorted())")
        // A checkpoint written before 0.7 names the mask `mask`; it still loads.
        var (tensors, metadata) = try SafetensorsFile.read(from: url)
        tensors["layers.5.mask"] = tensors.removeValue(forKey: "layers.5.weight_mask")
        let legacy = URL(fileURLWithPath: directory.path("legacy.safetensors"))
        try SafetensorsFile.write(tensors, metadata: metadata, to: legacy)
        XCTAssertEqual(try ModelCheckpoint.load(legacy).model.connections, model.connections)
        var (loaded, _) = try ModelCheckpoint.load(url)
        XCTAssertEqual(loaded.connections, model.connections)
        XCTAssertEqual(loaded.parameterCount, model.parameterCount)
        let a = model.evaluate(data.test), b = loaded.evaluate(data.test)
        XCTAssertEqual(a.loss, b.loss)
        XCTAssertEqual(a.accuracy, b.accuracy)
    }

    func testSparseConvolutionalAugmentedTrainingIsDeterministic() throws {
        let images = SyntheticClassification.make(classes: 3, features: 36, trainCount: 90, testCount: 30, seed: 7)
        func asImages(_ d: LabeledData) -> LabeledData {
            LabeledData(features: d.features, labels: d.labels, shape: ImageShape(channels: 1, height: 6, width: 6), classCount: d.classCount)
        }
        let data = DataSplit(train: asImages(images.train), test: asImages(images.test))
        let architecture = try Architecture.parse("c4-p-16-3", inputShape: [1, 6, 6], activation: .srelu, dropout: 0.3, sparseEpsilon: 2)
        var settings = TrainingSettings(epochs: 2)
        settings.batchSize = 16
        settings.augment = true
        settings.seed = 3
        func run() throws -> ([[Float]], [EpochRecord]) {
            var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 3)
            let history = try Trainer.fit(&model, data: data, settings: settings)
            var parameters = [[Float]]()
            for i in model.layers.indices {
                var layer = model.layers[i]
                layer.visitParameters { values, _ in parameters.append(values) }
            }
            return (parameters, history)
        }
        let (a, historyA) = try run(), (b, historyB) = try run()
        XCTAssertEqual(a, b)
        XCTAssertEqual(historyA.map(\.trainLoss), historyB.map(\.trainLoss))
        XCTAssertEqual(historyA.map(\.testAccuracy), historyB.map(\.testAccuracy))
    }

    func testCheckpointMetadataIsValidated() throws {
        let bad = [
            #"{"inputShape":[1,1,4],"layers":[{"dropout":{"rate":1.5}},{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[1,4,4],"layers":[{"maxPool":{"size":0}},{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[1,1,0],"layers":[{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[1,2,2],"layers":[{"conv2d":{"filters":2,"kernel":3,"same":false}},{"dense":{"outputs":2}}]}"#,
            "not json",
        ]
        for json in bad {
            XCTAssertThrowsError(try Architecture.fromJSON(json, name: "m.safetensors"), json) {
                XCTAssertTrue("\($0)".hasPrefix("m.safetensors: "), "\($0)")
            }
        }
    }

    func testTrainingClearlyBeatsChanceAndIsDeterministic() throws {
        let data = synthetic()
        let architecture = try Architecture.multilayerPerceptron("20-32-5", dropout: 0.2)
        var settings = TrainingSettings(epochs: 8)
        settings.batchSize = 32
        settings.learningRate = 0.05
        settings.seed = 9
        func run() throws -> (Network, [EpochRecord]) {
            var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 9)
            let history = try Trainer.fit(&model, data: data, settings: settings)
            return (model, history)
        }
        let (a, historyA) = try run()
        let (b, historyB) = try run()
        XCTAssertGreaterThan(historyA.last!.testAccuracy, 0.6, "chance is 0.2")
        XCTAssertLessThan(historyA.last!.trainLoss, historyA.first!.trainLoss)
        // Same seed ⇒ bit-identical weights and metrics (seconds aside).
        XCTAssertEqual(a.denseLayers.map(\.layer.weight), b.denseLayers.map(\.layer.weight))
        XCTAssertEqual(historyA.map(\.testAccuracy), historyB.map(\.testAccuracy))
        XCTAssertEqual(historyA.map(\.trainLoss), historyB.map(\.trainLoss))
        settings.seed = 10
        var other = Network(architecture: architecture, initializer: .glorotUniform, seed: 9)
        try Trainer.fit(&other, data: data, settings: settings)
        XCTAssertNotEqual(other.denseLayers.map(\.layer.weight), a.denseLayers.map(\.layer.weight), "the seed drives shuffling and dropout")
    }

    func testAdamAndStepScheduleTrainToo() throws {
        let data = synthetic()
        var settings = TrainingSettings(epochs: 6)
        settings.optimizer = .adam
        settings.batchSize = 32
        settings.learningRate = 0.01
        settings.milestones = [4]
        var model = Network(architecture: try Architecture.multilayerPerceptron("20-16-5"), initializer: .kaimingNormal, seed: 1)
        let history = try Trainer.fit(&model, data: data, settings: settings)
        XCTAssertGreaterThan(history.last!.testAccuracy, 0.5)
    }

    func testCheckpointRoundTripEvaluatesIdentically() throws {
        let data = synthetic()
        var model = Network(architecture: try Architecture.multilayerPerceptron("20-12-5", dropout: 0.1), initializer: .glorotUniform, seed: 2)
        try Trainer.fit(&model, data: data, settings: TrainingSettings(epochs: 2))
        let directory = try TemporaryDirectory()
        let url = URL(fileURLWithPath: directory.path("ckpt.safetensors"))
        try ModelCheckpoint.save(model, to: url, metadata: ["note": "test"])
        let (tensors, metadata) = try SafetensorsFile.read(from: url)
        XCTAssertEqual(Set(tensors.keys), ["layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias"])
        XCTAssertEqual(tensors["layers.0.weight"]!.shape, [12, 20])
        XCTAssertEqual(metadata["note"], "test")
        var (loaded, _) = try ModelCheckpoint.load(url)
        XCTAssertEqual(loaded.architecture, model.architecture)
        XCTAssertEqual(loaded.denseLayers.map(\.layer.weight), model.denseLayers.map(\.layer.weight))
        let e1 = model.evaluate(data.test), e2 = loaded.evaluate(data.test)
        XCTAssertEqual(e1.accuracy, e2.accuracy)
        XCTAssertEqual(e1.loss, e2.loss)

        // A checkpoint whose tensors do not match its architecture is an error naming the tensor.
        var broken = tensors
        broken["layers.3.weight"] = Tensor(shape: [5, 11], storage: .float32(Array(repeating: 0, count: 55)))
        try SafetensorsFile.write(broken, metadata: metadata, to: url)
        XCTAssertThrowsError(try ModelCheckpoint.load(url)) { XCTAssertTrue("\($0)".contains("layers.3"), "\($0)") }
    }

    /// One validator of training settings: the library refuses what the CLI and the studies
    /// refuse, names the property, and the CLI names its option.
    func testTrainingSettingsHaveOneValidator() throws {
        func problem(_ change: (inout TrainingSettings) -> Void) -> TrainingSettings.Setting? {
            var settings = TrainingSettings(epochs: 1)
            change(&settings)
            do { try settings.validate(layerCount: 3); return nil } catch let error as TrainingError { return error.setting } catch { return nil }
        }
        XCTAssertNil(problem { $0.epochs = 0 }, "0 epochs trains nothing: the initial weights")
        XCTAssertEqual(problem { $0.epochs = -1 }, .epochs)
        XCTAssertEqual(problem { $0.weightDecay = -0.1 }, .weightDecay)
        XCTAssertEqual(problem { $0.momentum = 1 }, .momentum)
        XCTAssertEqual(problem { $0.learningRate = 0 }, .learningRate)
        XCTAssertEqual(problem { $0.gamma = .nan }, .gamma)
        XCTAssertEqual(problem { $0.milestones = [-2] }, .milestones)
        XCTAssertEqual(problem { $0.frozenLayers = [3] }, .frozenLayers)
        for (option, value) in [("--weight-decay", "-1"), ("--momentum", "1"), ("--lr", "0"), ("--epochs", "-1")] {
            XCTAssertThrowsError(try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-10", "--epochs", "1", "\(option)=\(value)"])) {
                XCTAssertTrue(TrainCommand.message(for: $0).hasPrefix(option), "\(TrainCommand.message(for: $0))")
            }
        }
    }

    /// `train --epochs 0 --save INIT` writes the initial weights (for rewinding) and reports
    /// their accuracy.
    func testTrainingZeroEpochsSavesTheInitialModel() throws {
        let directory = try TemporaryDirectory()
        let saved = directory.url.appendingPathComponent("init.safetensors")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "0", "--seed", "4", "--save", saved.path]).run()
        let model = try ModelCheckpoint.load(saved).model
        let fresh = Network(architecture: model.architecture, initializer: .glorotUniform, seed: 4)
        XCTAssertEqual(model.denseLayers.map(\.layer.weight), fresh.denseLayers.map(\.layer.weight))
    }

    func testTrainAndEvaluateCommands() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        let model = dir.appendingPathComponent("m.safetensors").path, log = dir.appendingPathComponent("log.csv").path
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "2", "--seed", "4", "--save", model, "--log", log]).run()
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[0].hasPrefix("epoch,train_loss,train_accuracy,test_loss,test_accuracy"))
        try EvaluateCommand.parse(["--model", model, "--dataset", "synthetic", "--seed", "4"]).run()
        // An unwritable --save is found before training, and nothing is written.
        let never = dir.appendingPathComponent("never.csv").path
        XCTAssertThrowsError(try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-10", "--epochs", "1", "--save", "/nonexistent/m.safetensors", "--log", never]).run()) {
            XCTAssertTrue("\($0)".contains("--save"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: never))
        XCTAssertThrowsError(try TrainCommand.parse(["--dataset", "synthetic", "--arch", "10-5", "--epochs", "1"]).run()) {
            XCTAssertTrue("\($0)".contains("--arch"), "\($0)")
        }
        XCTAssertThrowsError(try TrainCommand.parse(["--dataset", "fashion-mnist", "--data-dir", dir.path, "--arch", "784-10", "--epochs", "1"]).run()) {
            XCTAssertTrue("\($0)".contains("dataset-fashion-mnist"), "\($0)")
        }
    }
}

extension TrainingTests {
    /// A learning rate that blows the weights up stops training at the first non-finite loss,
    /// naming the epoch and batch; `train` then saves nothing and exits with that line.
    func testDivergenceStopsTrainingWithOneLine() throws {
        let split = NetworkTestSupport.standardizedSynthetic(trainCount: 200, testCount: 40, seed: 5)
        var model = Network(architecture: try Architecture.parse("12-16-4", inputShape: nil), initializer: .glorotUniform, seed: 1)
        var settings = TrainingSettings(epochs: 5)
        (settings.learningRate, settings.batchSize) = (1000, 20)
        XCTAssertThrowsError(try Trainer.fit(&model, data: split, settings: settings)) { error in
            let diverged = error as? TrainingDivergedError
            XCTAssertNotNil(diverged, "\(error)")
            XCTAssertTrue(diverged.map { !$0.loss.isFinite && $0.batch >= 1 && $0.batch <= 10 } ?? false)
            XCTAssertTrue("\(error)".hasPrefix("training diverged: the loss is nan at epoch"), "\(error)")
        }
        let directory = try TemporaryDirectory()
        let save = directory.path("m.safetensors")
        XCTAssertThrowsError(try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "3", "--lr", "1000", "--save", save]).run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: save))
    }
}
