import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// Networks as graphs: residual blocks with both kinds of shortcut, BatchNorm, the built-in
/// ResNet and VGG, and their checkpoints.
final class NetworkGraphTests: XCTestCase {
    private typealias S = NetworkTestSupport

    /// A small residual network on 1 × 6 × 6 inputs: a stem, a block whose shortcut is a strided
    /// 1×1 convolution with BatchNorm (the shape changes), a block with the identity shortcut,
    /// global average pooling and a Dense head of 3 classes.
    static func residualArchitecture() throws -> Architecture {
        var graph = GraphBuilder(inputShape: [1, 6, 6])
        var x = try graph.convolutionBatchNorm("conv1", "bn1", filters: 4, kernel: 3, stride: 1, from: 0)
        x = try graph.add("relu", .relu, from: [x])
        var y = try graph.convolutionBatchNorm("layer1.0.conv1", "layer1.0.bn1", filters: 6, kernel: 3, stride: 2, from: x)
        y = try graph.add("layer1.0.relu1", .relu, from: [y])
        y = try graph.convolutionBatchNorm("layer1.0.conv2", "layer1.0.bn2", filters: 6, kernel: 3, stride: 1, from: y)
        let shortcut = try graph.convolutionBatchNorm("layer1.0.shortcut.0", "layer1.0.shortcut.1", filters: 6, kernel: 1, stride: 2, from: x)
        x = try graph.add("layer1.0.relu2", .relu, from: [try graph.add("layer1.0.add", .add, from: [y, shortcut])])
        y = try graph.convolutionBatchNorm("layer1.1.conv1", "layer1.1.bn1", filters: 6, kernel: 3, stride: 1, from: x)
        y = try graph.add("layer1.1.relu1", .relu, from: [y])
        y = try graph.convolutionBatchNorm("layer1.1.conv2", "layer1.1.bn2", filters: 6, kernel: 3, stride: 1, from: y)
        x = try graph.add("layer1.1.relu2", .relu, from: [try graph.add("layer1.1.add", .add, from: [y, x])])
        x = try graph.add("avgpool", .globalAveragePooling, from: [x])
        try graph.add("linear", .dense(outputs: 3), from: [x])
        let architecture = Architecture(inputShape: [1, 6, 6], layers: graph.layers, inputs: graph.inputs, names: graph.names)
        try architecture.validate()
        return architecture
    }

    /// A model whose BatchNorm layers have non-trivial running statistics and affine parameters.
    /// With `smooth`, the ReLUs are identities: central differences in Float across ReLU kinks
    /// (a BatchNorm moves every value of its channel) are not reliable, and ReLU's own gradient
    /// is checked in its tests.
    static func residualModel(seed: UInt64 = 3, smooth: Bool = false) throws -> Network {
        var architecture = try residualArchitecture()
        if smooth { architecture = architecture.replacingLayers(architecture.layers.map { $0 == .relu ? .identity : $0 }) }
        var model = Network(architecture: architecture, initializer: .kaimingNormal, seed: seed)
        var g = SplitMix64(seed: seed + 1)
        for i in model.layers.indices where model.layers[i] is BatchNorm {
            model.modifyLayer(at: i, as: BatchNorm.self) { norm in
                for c in 0..<norm.channels {
                    norm.scale[c] = Float(0.5 + g.nextUnitDouble())
                    norm.shift[c] = Float(g.nextUnitDouble() - 0.5)
                    norm.runningMean[c] = Float(g.nextUnitDouble() - 0.5) * 0.2
                    norm.runningVariance[c] = Float(0.5 + g.nextUnitDouble())
                }
            }
        }
        return model
    }

    private func batch(_ rows: Int, seed: UInt64) -> (Matrix<Float>, [Int32]) {
        var g = SplitMix64(seed: seed)
        return (S.matrix(rows, 36, seed: seed), (0..<rows).map { _ in Int32(g.next() % 3) })
    }

    /// The gradient of the mean cross-entropy through both kinds of residual block, with
    /// BatchNorm on batch statistics (training mode), against central differences of the loss.
    func testResidualGradientsMatchCentralDifferencesInTraining() throws {
        let base = try Self.residualModel(smooth: true)
        let (x, labels) = batch(5, seed: 11)
        /// One training step at learning rate 0: the loss, and the model holding the gradients.
        func step(_ model: Network) -> (loss: Double, model: Network) {
            var m = model, optimizer = SGD(momentum: 0), generator = SplitMix64(seed: 0)
            let r = m.trainStep(batch: 5, fill: { f, l in f.assign(x); l = labels }, optimizer: &optimizer, learningRate: 0, generator: &generator)
            return (r.loss, m)
        }
        let trained = step(base).model
        for i in trained.layers.indices {
            var analytic = [[Float]]()
            var layer = trained.layers[i]
            layer.visitParameters { _, g in analytic.append(g) }
            for (k, gradient) in analytic.enumerated() {
                var probe = base.layers[i], values = [Float]()
                var index = 0
                probe.visitParameters { v, _ in if index == k { values = v }; index += 1 }
                let numeric = S.numericGradient(values, step: 1e-3) { changed in
                    var model = base
                    var layers = model.layers
                    var j = 0
                    layers[i].visitParameters { v, _ in if j == k { v = changed }; j += 1 }
                    model = Network(architecture: model.architecture, layers: layers)
                    return step(model).loss
                }
                XCTAssertGradientsMatch(gradient, numeric, absolute: 2e-4, relative: 1e-3, "\(base.architecture.names[i]) tensor \(k)")
            }
        }
    }

    /// Evaluation mode (running statistics): `weightGradients` through the graph against
    /// central differences, and the logits against a hand-evaluated forward pass.
    func testResidualEvaluationGradientsAndLogits() throws {
        let model = try Self.residualModel(smooth: true)
        let (x, labels) = batch(4, seed: 12)
        let (loss, _) = model.weightGradients(features: x, labels: labels)
        var none: Matrix<Float>? = nil
        XCTAssertEqual(loss, SoftmaxCrossEntropy.evaluate(logits: model.outputs(x), labels: labels[...], gradient: &none).loss, accuracy: 1e-12)
        // The smooth model is linear up to the softmax, so a larger step costs little truncation
        // error and divides the float32 rounding of the loss (about 1e-7 of it) by more: with
        // 1e-3 that rounding alone reached 3.6e-4 on an AVX-512 machine.
        try checkWeightGradients(model, features: x, labels: labels, step: 1e-2, absolute: 1e-4, relative: 1e-3)
        // The logits of the model with its ReLUs by hand: every node on its own, the Add nodes
        // summing their inputs.
        let withReLUs = try Self.residualModel()
        var activations = [x]
        for (i, layer) in withReLUs.layers.enumerated() {
            var l = layer
            let inputs = withReLUs.architecture.inputs[i]
            var input = activations[inputs[0]]
            for a in inputs.dropFirst() { input.add(activations[a]) }
            activations.append(S.forward(&l, input))
        }
        XCTAssertEqual(withReLUs.logits(x), activations.last!)
    }

    func testBuiltInResNet20AndVGGShapesAndParameters() throws {
        let resnet = try Architecture.parse("resnet20", inputShape: [1, 28, 28])
        XCTAssertEqual(resnet.builtIn, "resnet20")
        let shapes = try resnet.shapes()
        let index = { (name: String) in resnet.names.firstIndex(of: name)! + 1 }
        XCTAssertEqual(shapes[index("layer1.2.relu2")], [16, 28, 28])
        XCTAssertEqual(shapes[index("layer2.0.shortcut.1")], [32, 14, 14])
        XCTAssertEqual(shapes[index("layer3.2.relu2")], [64, 7, 7])
        XCTAssertEqual(shapes.last, [1, 1, 10])
        XCTAssertEqual(resnet.names.filter { $0.hasSuffix("shortcut.0") }, ["layer2.0.shortcut.0", "layer3.0.shortcut.0"])
        // conv1 144 + bn1 32; stage 1: 3·(2·2304 + 64); stage 2: 14 528 + 2·18 560; stage 3:
        // 57 728 + 2·73 984; linear 650 (option-B ResNet-20 on one input channel).
        let model = Network(architecture: resnet, initializer: .kaimingNormal, seed: 1)
        XCTAssertEqual(model.parameterCount, 144 + 32 + 14_016 + 51_648 + 205_696 + 650)
        let vgg = try Architecture.parse("vgg11", inputShape: [1, 28, 28])
        XCTAssertEqual(vgg.layers.filter { $0 == .maxPool(size: 2) }.count, 4, "the fifth pool does not fit a 1 × 1 activation")
        XCTAssertEqual(Network(architecture: vgg, initializer: .kaimingNormal, seed: 1).parameterCount, 9_229_962)
        XCTAssertEqual(try Architecture.parse("vgg16", inputShape: [3, 32, 32]).layers.filter { $0 == .maxPool(size: 2) }.count, 5)
        XCTAssertThrowsError(try Architecture.parse("resnet20", inputShape: nil))
    }

    func testGraphCheckpointsRoundTripBitForBit() throws {
        var model = try Self.residualModel()
        // A few training steps so that every tensor (running statistics too) is non-trivial.
        var optimizer = SGD(momentum: 0.9), generator = SplitMix64(seed: 1)
        let (x, labels) = batch(8, seed: 13)
        for _ in 0..<3 {
            _ = model.trainStep(batch: 8, fill: { f, l in f.assign(x); l = labels }, optimizer: &optimizer, learningRate: 0.05, generator: &generator)
        }
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("resnet.safetensors")
        try ModelCheckpoint.save(model, to: url)
        let (loaded, metadata) = try ModelCheckpoint.load(url)
        XCTAssertEqual(metadata[ModelCheckpoint.formatKey], ModelCheckpoint.format)
        XCTAssertEqual(loaded.architecture, model.architecture)
        for (a, b) in zip(model.layers, loaded.layers) {
            XCTAssertEqual(a.stateTensors, b.stateTensors)
        }
        XCTAssertEqual(loaded.logits(x).elements.map(\.bitPattern), model.logits(x).elements.map(\.bitPattern))
        let (tensors, _) = try SafetensorsFile.read(from: url)
        XCTAssertEqual(tensors["layer1.0.shortcut.1.running_var"]?.shape, [6])
        XCTAssertEqual(tensors["layer1.0.conv1.weight"]?.shape, [6, 4, 3, 3])
        XCTAssertNil(tensors["layer1.0.conv1.bias"], "convolutions before a BatchNorm have no bias")
    }

    /// A frozen backbone keeps its BatchNorm's running statistics (not only its parameters).
    func testAFrozenBackboneKeepsItsBatchNormStatistics() throws {
        var model = try Self.residualModel()
        let (x, labels) = batch(40, seed: 15)
        let samples = LabeledData(features: x, labels: labels, shape: ImageShape(channels: 1, height: 6, width: 6), classCount: 3)
        let data = DataSplit(train: samples, test: samples)
        var settings = TrainingSettings(epochs: 1)
        settings.batchSize = 10
        let head = model.architecture.names.firstIndex(of: "linear")!
        settings.frozenLayers = Array(0..<head)
        let before = model.layers.compactMap { $0 as? BatchNorm }.map(\.runningMean)
        try Trainer.fit(&model, data: data, settings: settings)
        XCTAssertEqual(model.layers.compactMap { $0 as? BatchNorm }.map(\.runningMean), before)
    }

    /// Frozen BatchNorm keeps its running statistics through training; γ and β still move.
    func testFrozenBatchNormKeepsItsStatistics() throws {
        var model = try Self.residualModel()
        model.freezeBatchNormStatistics()
        let before = model.layers.compactMap { $0 as? BatchNorm }
        var optimizer = SGD(momentum: 0.9), generator = SplitMix64(seed: 1)
        let (x, labels) = batch(8, seed: 14)
        for _ in 0..<2 {
            _ = model.trainStep(batch: 8, fill: { f, l in f.assign(x); l = labels }, optimizer: &optimizer, learningRate: 0.05, generator: &generator)
        }
        let after = model.layers.compactMap { $0 as? BatchNorm }
        XCTAssertEqual(after.map(\.runningMean), before.map(\.runningMean))
        XCTAssertEqual(after.map(\.runningVariance), before.map(\.runningVariance))
        XCTAssertNotEqual(after.map(\.scale), before.map(\.scale))
    }

    func testChainJSONIsUnchangedAndGraphsNeedConsistentInputs() throws {
        let chain = try Architecture.multilayerPerceptron("4-3-2")
        XCTAssertFalse(chain.json().contains("inputs"))
        XCTAssertFalse(chain.json().contains("names"))
        XCTAssertEqual(try Architecture.fromJSON(#"{"inputShape":[1,1,4],"layers":[{"dense":{"outputs":2}}]}"#, name: "old").names, ["layers.0"])
        let graph = try Self.residualArchitecture()
        XCTAssertEqual(try Architecture.fromJSON(graph.json(), name: "g"), graph)
        func rejects(_ change: (inout Architecture) -> Void, _ fragment: String) {
            var broken = graph
            change(&broken)
            XCTAssertThrowsError(try broken.validate()) { XCTAssertTrue("\($0)".contains(fragment), "\($0)") }
        }
        let add = graph.names.firstIndex(of: "layer1.0.add")!
        rejects({ $0.inputs[add] = [add + 1, 1] }, "must be earlier activations")
        rejects({ $0.inputs[add] = [add, 1] }, "adds inputs of shapes")
        rejects({ $0.names[1] = $0.names[0] }, "used twice")
        rejects({ $0.inputs[2] = [1, 2] }, "only add and multiply nodes take several inputs")
        XCTAssertThrowsError(try Architecture.parse("784-3000000-10000", inputShape: nil)) {
            XCTAssertTrue("\($0)".contains("parameters"), "\($0)")
        }
        // Crafted checkpoint metadata: huge extents are refused before any shape arithmetic.
        for json in [
            #"{"inputShape":[1,4611686018427387904,4],"layers":[{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[1,4,4],"layers":[{"convolution":{"_0":{"filters":2,"kernel":3,"stride":1,"padding":4611686018427387904,"groups":1,"bias":true}}},{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[4096,4096,64],"layers":[{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[1,1,4],"layers":[{"dense":{"outputs":3}},{"dense":{"outputs":2}}],"inputs":[[0],[0]]}"#,
            #"{"inputShape":[1,28,28],"layers":[{"convolution":{"_0":{"filters":1,"kernel":4096,"stride":1,"padding":4096,"groups":1,"bias":true}}},{"dense":{"outputs":2}}]}"#,
            #"{"inputShape":[1,1,4],"layers":[{"batchNorm":{"momentum":0.1,"epsilon":1e-300}},{"dense":{"outputs":2}}]}"#,
        ] {
            XCTAssertThrowsError(try Architecture.fromJSON(json, name: "crafted.safetensors")) {
                XCTAssertTrue($0 is FileFormatError && "\($0)".hasPrefix("crafted.safetensors: metadata 'architecture'"), "\($0)")
            }
        }
    }
}
