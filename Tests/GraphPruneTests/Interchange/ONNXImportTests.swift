import Foundation
import XCTest
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneInterchange
@testable import GraphPruneNetwork
@testable import GraphPruneNumerics
@testable import GraphPrunePruning

/// ONNX models exported from PyTorch (Tests/GraphPruneTests/Fixtures/onnx, made by
/// Scripts/make-onnx-fixtures): imported, their outputs against PyTorch's; exported and
/// imported again; pruned, exported and imported again; their state dicts' names.
final class ONNXImportTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/onnx")
    /// The fixtures: BatchNorm kept (`mlp`, `resnet-bn`, `efficientnet-bn` with SiLU and
    /// squeeze-excitation, `depthwise-opset11` in the oldest opset taken) or folded into the
    /// convolutions by the exporter (`resnet-folded`, and `depthwise-dynamo` from the dynamo
    /// exporter, opset 18).
    static let names = ["mlp", "resnet-bn", "resnet-folded", "depthwise-dynamo", "efficientnet-bn", "depthwise-opset11"]

    static func model(_ name: String) throws -> Network {
        try ONNXImport.load(fixtures.appendingPathComponent("\(name).onnx")).model
    }

    /// The fixture's inputs as `samples × features` and PyTorch's logits.
    static func reference(_ name: String) throws -> (inputs: Matrix<Float>, logits: Matrix<Float>) {
        let x = try NumPyFile.read(from: fixtures.appendingPathComponent("\(name)-input.npy"))
        let y = try NumPyFile.read(from: fixtures.appendingPathComponent("\(name)-output.npy"))
        let features = x.shape.dropFirst().reduce(1, *)
        return (try Tensor(shape: [x.shape[0], features], storage: x.storage).matrix(Float.self, name: name),
                try y.matrix(Float.self, name: name))
    }

    /// `max |a − b| ≤ tolerance · max |b|`.
    func assertClose(_ a: Matrix<Float>, _ b: Matrix<Float>, relative tolerance: Float, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual([a.rows, a.columns], [b.rows, b.columns], message, file: file, line: line)
        let scale = b.elements.map(abs).max() ?? 1
        let worst = zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "max |a − b| = \(worst) " + message, file: file, line: line)
    }

    func testImportedModelsGivePyTorchsOutputs() throws {
        for name in Self.names {
            let model = try Self.model(name)
            let (x, y) = try Self.reference(name)
            assertClose(model.logits(x), y, relative: 1e-4, name)
        }
    }

    func testImportMapsNamesAndOperations() throws {
        let mlp = try Self.model("mlp")
        // (x − 0.5) / 0.25, a Sub and a Div, compose into one channel affine node.
        XCTAssertEqual(mlp.architecture.layers[0], .channelAffine(scale: [4], shift: [-2]))
        XCTAssertEqual(Array(mlp.architecture.names[1...]).filter { $0.hasPrefix("fc") }, ["fc1", "fc2", "fc3"])
        XCTAssertTrue(mlp.architecture.layers.contains(.clip(minimum: 0, maximum: 6)), "ReLU6 is a Clip")
        let resnet = try Self.model("resnet-bn")
        let names = resnet.architecture.names
        XCTAssertTrue(names.contains("layer2.0.downsample.0") && names.contains("layer2.0.downsample.1"), "\(names)")
        XCTAssertTrue(resnet.architecture.layers.contains(.pooling(.init(.max, window: PoolingWindow(kernel: 3, stride: 2, padding: 1)))))
        XCTAssertEqual(resnet.architecture.layers.filter { $0 == .add }.count, 2)
        let depthwise = try Self.model("depthwise-dynamo")
        XCTAssertTrue(depthwise.architecture.layers.contains { if case .convolution(let c) = $0 { c.groups == 8 } else { false } })
        XCTAssertTrue(depthwise.architecture.layers.contains(.pooling(.init(.average, window: PoolingWindow(kernel: 3, stride: 2, padding: 1), countsPadding: false))))
    }

    func testExportThenImportGivesTheSameNetwork() throws {
        let directory = try TemporaryDirectory()
        for name in Self.names {
            let model = try Self.model(name)
            let url = directory.url.appendingPathComponent("\(name).onnx")
            try ModelFile.save(model, to: url, metadata: ["note": "round trip"])
            let (again, metadata) = try ModelFile.load(url)
            XCTAssertEqual(metadata["note"], "round trip")
            XCTAssertEqual(again.architecture.layers, model.architecture.layers, name)
            XCTAssertEqual(again.architecture.names, model.architecture.names, name)
            let (x, _) = try Self.reference(name)
            XCTAssertEqual(again.logits(x).elements, model.logits(x).elements, name)
        }
    }

    func testStateDictKeepsEveryPyTorchName() throws {
        let directory = try TemporaryDirectory()
        for name in ["mlp", "resnet-bn", "efficientnet-bn", "depthwise-opset11"] {
            let url = directory.url.appendingPathComponent("\(name).safetensors")
            try ModelFile.save(try Self.model(name), to: url)
            let (tensors, _) = try SafetensorsFile.read(from: url)
            let text = try String(contentsOf: Self.fixtures.appendingPathComponent("\(name)-state-dict.txt"), encoding: .utf8)
            var expected = [String: [Int]]()
            for line in text.split(separator: "\n") where !line.contains("num_batches_tracked") {
                let parts = line.split(separator: " ")
                expected[String(parts[0])] = parts.count > 1 ? parts[1].split(separator: "×").map { Int($0)! } : []
            }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: tensors.map { ($0.key, $0.value.shape) }), expected, name)
        }
    }

    func testFilterPrunedModelExportsAndImportsWithTheSameOutputs() throws {
        for name in ["resnet-bn", "efficientnet-bn"] {
            let model = try Self.model(name)
            let scorer = try ScorerRegistry.standard.make("magnitude", options: ScorerOptions())
            let pruning = NeuronPruning(scorer: scorer, pruneRatio: 0.5, minimumWidth: 1, groupScoring: .concatenated)
            let result = try pruning.prune(model, layers: try LayerSelection.positions("conv", in: model))
            XCTAssertLessThan(result.model.parameterCount, model.parameterCount)
            let directory = try TemporaryDirectory()
            let (x, _) = try Self.reference(name)
            for file in ["pruned.onnx", "pruned.safetensors"] {
                let url = directory.url.appendingPathComponent(file)
                try ModelFile.save(result.model, to: url)
                let again = try ModelFile.load(url).model
                XCTAssertEqual(again.architecture.layers, result.model.architecture.layers, "\(name) \(file)")
                XCTAssertEqual(again.logits(x).elements, result.model.logits(x).elements, "\(name) \(file)")
            }
        }
    }

    /// Squeeze-excitation and SiLU in evaluation mode: `weightGradients` through the product
    /// node (whose factors are handed over side by side) against central differences.
    func testGradientsThroughSqueezeExcitationMatchCentralDifferences() throws {
        let model = try Self.model("efficientnet-bn")
        XCTAssertEqual(model.architecture.layers.filter { $0 == .silu }.count, 5)
        XCTAssertEqual(model.architecture.layers.filter { $0 == .multiply(broadcast: true) }.count, 1)
        let (x, _) = try Self.reference("efficientnet-bn")
        try checkWeightGradients(model, features: x, labels: [0, 3, 1, 4], step: 1e-2, absolute: 2e-4, relative: 2e-3)
    }

    func testEdgePrunedModelKeepsItsMasksThroughONNX() throws {
        let model = try Self.model("mlp")
        let pruning = EdgePruning(method: .greedy, density: 0.3, rewind: false, seed: 1)
        let pruned = try pruning.prune(model, initial: nil, data: nil).model
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("sparse.onnx")
        try ModelFile.save(pruned, to: url)
        let again = try ModelFile.load(url).model
        XCTAssertEqual(again.architecture.layers.filter { if case .sparseDense = $0 { true } else { false } }.count, 3)
        XCTAssertEqual(again.layers.map(\.nonzeroConnections), pruned.layers.map(\.nonzeroConnections))
        XCTAssertEqual(again.layers.map(\.maskedConnections), pruned.layers.map(\.maskedConnections))
        let (x, _) = try Self.reference("mlp")
        XCTAssertEqual(again.logits(x).elements, pruned.logits(x).elements)
    }

    /// Every neuron scorer over the filter groups, every edge scorer with every edge method, on
    /// an imported ResNet (SNIP on seeded data of the model's input shape).
    func testEveryScorerAndMethodWorksOnAnImportedModel() throws {
        let model = try Self.model("resnet-bn")
        let convolutions = try LayerSelection.positions("conv", in: model)
        for name in ScorerRegistry.standard.names {
            var options = ScorerOptions()
            options.tau = 0.1
            let pruning = NeuronPruning(scorer: try ScorerRegistry.standard.make(name, options: options), pruneRatio: 0.5)
            let pruned = try pruning.prune(model, layers: convolutions).model
            XCTAssertLessThan(pruned.parameterCount, model.parameterCount, name)
        }
        let (x, _) = try Self.reference("resnet-bn")
        let data = LabeledData(features: x, labels: [0, 1, 2, 3], shape: ImageShape(channels: 3, height: 16, width: 16), classCount: 5)
        // GraSP's exact Hessian–vector product covers Dense/ReLU chains: on this ResNet it says so.
        XCTAssertThrowsError(try EdgePruning(method: .global, density: 0.3, scorer: "grasp", rewind: false).prune(model, data: data)) {
            XCTAssertTrue("\($0)".contains("grasp: node conv1") && "\($0)".contains("chains of Dense and ReLU layers"), "\($0)")
        }
        for scorer in ModelEdgeScorerRegistry.standard.names where scorer != "grasp" {
            for method in EdgePruning.Method.allCases {
                let pruning = try EdgePruning(method: method, density: 0.3, scorer: scorer, rewind: false, seed: 2)
                let result = try pruning.prune(model, data: data)
                XCTAssertEqual(result.density, 0.3, accuracy: 0.01, "\(scorer) \(method)")
                XCTAssertTrue(result.model.logits(x).elements.allSatisfy(\.isFinite), "\(scorer) \(method)")
            }
        }
    }
}
