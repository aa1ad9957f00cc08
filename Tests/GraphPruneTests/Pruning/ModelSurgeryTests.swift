import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

final class ModelSurgeryTests: XCTestCase {
    func testPrunableLayersExcludeTheOutputLayer() throws {
        let model = Network(architecture: try Architecture.parse("c4-p-6-3", inputShape: [1, 6, 6], dropout: 0.1),
                               initializer: .glorotUniform, seed: 1)
        // 0 conv, 1 relu, 2 pool, 3 dense 6, 4 relu, 5 dropout, 6 dense 3 (output).
        let prunable = ModelSurgery.prunableLayers(of: model)
        XCTAssertEqual(prunable.map(\.position), [0, 3])
        XCTAssertEqual(prunable.map(\.name), ["layers.0", "layers.3"])
        XCTAssertEqual(prunable.map(\.units), [4, 6])
        XCTAssertEqual(prunable.map(\.kind), [.convolution, .dense])
        XCTAssertEqual(NeuronPruning.outputPosition(of: model), 6)
        let sparse = Network(architecture: try Architecture.parse("8-6-3", inputShape: nil, sparseEpsilon: 1),
                                initializer: .glorotUniform, seed: 1)
        XCTAssertEqual(ModelSurgery.prunableLayers(of: sparse).map(\.kind), [.sparseDense])
    }

    func testNewHeadKeepsTheBackboneBitIdentical() throws {
        let model = Network(architecture: try Architecture.parse("6-8-7-5", inputShape: nil, activation: .srelu, dropout: 0.2),
                               initializer: .glorotUniform, seed: 2)
        let head = model.layers.count - 1
        let transferred = try ModelSurgery.replacingHead(of: model, classes: 3, initializer: .kaimingNormal, seed: 9)
        for i in 0..<head {
            var a: any Layer = model.layers[i], b: any Layer = transferred.layers[i]
            XCTAssertEqual(NetworkTestSupport.parameters(&a).map(\.values), NetworkTestSupport.parameters(&b).map(\.values), "layers.\(i)")
            XCTAssertEqual(String(describing: type(of: a)), String(describing: type(of: b)))
        }
        var generator = SplitMix64(seed: 9)
        let expected = Initializer.kaimingNormal.weights(outputs: 3, inputs: 7, generator: &generator)
        let newHead = try XCTUnwrap(transferred.layers[head] as? Dense)
        XCTAssertEqual(newHead.weight, expected)
        XCTAssertEqual(newHead.bias, [0, 0, 0])
        XCTAssertEqual(transferred.architecture.layers[head], .dense(outputs: 3))
        XCTAssertEqual(Array(transferred.architecture.layers.prefix(head)), Array(model.architecture.layers.prefix(head)))
        // Same seed, same head; another seed, another head.
        let again = try ModelSurgery.replacingHead(of: model, classes: 3, initializer: .kaimingNormal, seed: 9)
        XCTAssertEqual((again.layers[head] as! Dense).weight, expected)
        let other = try ModelSurgery.replacingHead(of: model, classes: 3, initializer: .kaimingNormal, seed: 10)
        XCTAssertNotEqual((other.layers[head] as! Dense).weight, expected)
        // The new model runs and round-trips through a checkpoint.
        let x = NetworkTestSupport.matrix(4, 6, seed: 5)
        XCTAssertEqual(transferred.logits(x).columns, 3)
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("transfer.safetensors")
        try ModelCheckpoint.save(transferred, to: url)
        let (loaded, _) = try ModelCheckpoint.load(url)
        XCTAssertEqual(loaded.architecture, transferred.architecture)
        XCTAssertEqual(loaded.logits(x), transferred.logits(x))
    }

    func testAppendedHeadOnAGraphKeepsTheBackboneAndRuns() throws {
        // ResNet-20's `linear` becomes head.0 (Dense 12) → head.1 ReLU → head.2 Dropout → linear (Dense 3).
        let model = Network(architecture: try Architecture.parse("resnet20", inputShape: [1, 8, 8], classes: 5),
                            initializer: .kaimingNormal, seed: 3)
        let head = try XCTUnwrap(model.architecture.names.firstIndex(of: "linear"))
        let transferred = try ModelSurgery.replacingHead(of: model, classes: 3, hidden: [12], dropout: 0.3,
                                                         initializer: .kaimingNormal, seed: 9)
        let a = transferred.architecture
        XCTAssertEqual(Array(a.names[head...]), ["head.0", "head.1", "head.2", "linear"])
        XCTAssertEqual(Array(a.layers[head...]), [.dense(outputs: 12), .relu, .dropout(rate: 0.3), .dense(outputs: 3)])
        XCTAssertEqual(Array(a.inputs[head...]), [model.architecture.inputs[head], [head + 1], [head + 2], [head + 3]])
        XCTAssertEqual(Array(a.inputs[..<head]), Array(model.architecture.inputs[..<head]))
        XCTAssertEqual(a.builtIn, "resnet20")
        for i in 0..<head {
            var x: any Layer = model.layers[i], y: any Layer = transferred.layers[i]
            XCTAssertEqual(NetworkTestSupport.parameters(&x).map(\.values), NetworkTestSupport.parameters(&y).map(\.values), a.names[i])
        }
        // One generator: the hidden layer's weights first (fans 64 → 12), then the output's (12 → 3).
        var generator = SplitMix64(seed: 9)
        let hidden = Initializer.kaimingNormal.weights(outputs: 12, inputs: 64, generator: &generator)
        let output = Initializer.kaimingNormal.weights(outputs: 3, inputs: 12, generator: &generator)
        XCTAssertEqual((transferred.layers[head] as? Dense)?.weight, hidden)
        XCTAssertEqual((transferred.layers[head + 3] as? Dense)?.weight, output)
        // The appended Dense layer is the last hidden one, so `last-hidden` prunes it.
        XCTAssertEqual(try LayerSelection.positions("last-hidden", in: transferred), [head])
        // It runs and round-trips through a checkpoint.
        let x = NetworkTestSupport.matrix(2, 64, seed: 5)
        let logits = transferred.logits(x)
        XCTAssertEqual(logits.columns, 3)
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("head.safetensors")
        try ModelCheckpoint.save(transferred, to: url)
        let (loaded, _) = try ModelCheckpoint.load(url)
        XCTAssertEqual(loaded.architecture, a)
        XCTAssertEqual(loaded.logits(x), logits)
        // With no hidden widths the architecture is the old head replacement's.
        let plain = try ModelSurgery.replacingHead(of: model, classes: 3, initializer: .kaimingNormal, seed: 9)
        XCTAssertEqual(plain.architecture.names, model.architecture.names)
        XCTAssertEqual(plain.architecture.inputs, model.architecture.inputs)
    }

    func testAppendedHeadOnAChainKeepsChainNames() throws {
        let model = Network(architecture: try Architecture.multilayerPerceptron("6-8-5"), initializer: .glorotUniform, seed: 2)
        let transferred = try ModelSurgery.replacingHead(of: model, classes: 2, hidden: [4, 3], initializer: .glorotUniform, seed: 1)
        XCTAssertTrue(transferred.architecture.isChain)
        XCTAssertEqual(transferred.architecture.layers, [.dense(outputs: 8), .relu, .dense(outputs: 4), .relu, .dense(outputs: 3), .relu, .dense(outputs: 2)])
        XCTAssertEqual(transferred.logits(NetworkTestSupport.matrix(3, 6, seed: 1)).columns, 2)
        XCTAssertThrowsError(try ModelSurgery.replacingHead(of: model, classes: 2, hidden: [0], initializer: .glorotUniform, seed: 1)) { error in
            XCTAssertEqual((error as? ModelSurgeryError)?.description, "head width 0 must be at least 1")
        }
        XCTAssertThrowsError(try ModelSurgery.replacingHead(of: model, classes: 2, hidden: [4], dropout: 1, initializer: .glorotUniform, seed: 1)) { error in
            XCTAssertEqual((error as? ModelSurgeryError)?.description, "head dropout 1.0 is outside [0, 1)")
        }
    }

    func testHeadReplacementRefusals() throws {
        let model = Network(architecture: try Architecture.multilayerPerceptron("4-3-2"), initializer: .glorotUniform, seed: 3)
        XCTAssertThrowsError(try ModelSurgery.replacingHead(of: model, classes: 0, initializer: .glorotUniform, seed: 1)) { error in
            XCTAssertTrue((error as? ModelSurgeryError)?.description.contains("classes 0") ?? false)
        }
        let trailing = Network(
            architecture: Architecture(inputSize: 4, layers: [.dense(outputs: 3), .srelu]), initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try ModelSurgery.replacingHead(of: trailing, classes: 5, initializer: .glorotUniform, seed: 1)) { error in
            XCTAssertTrue((error as? ModelSurgeryError)?.description.contains("layers.1") ?? false)
        }
        let convolutional = Network(
            architecture: try Architecture.parse("c2-gap-3", inputShape: [1, 4, 4]), initializer: .glorotUniform, seed: 1)
        let replaced = try ModelSurgery.replacingHead(of: convolutional, classes: 7, initializer: .glorotUniform, seed: 1)
        XCTAssertEqual((replaced.layers[3] as! Dense).outputs, 7)
    }

    func testLogitsMatchEvaluate() throws {
        // `logits` agrees with the training engine's own forward: the loss from the logits equals
        // `evaluate`'s, and chunking does not change them.
        var model = Network(architecture: try Architecture.parse("c3-p-5-4", inputShape: [1, 4, 4], dropout: 0.5),
                               initializer: .glorotUniform, seed: 4)
        let x = NetworkTestSupport.matrix(10, 16, seed: 6)
        let labels: [Int32] = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]
        let logits = model.logits(x)
        // Chunks change the row counts sgemm sees, and with them its kernels' rounding (AVX-512
        // OpenBLAS differs in the last bits): equal to float precision, not bit for bit.
        let chunked = model.logits(x, batch: 3)
        XCTAssertEqual(chunked.rows, logits.rows)
        for (a, b) in zip(chunked.elements, logits.elements) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b))) }
        var none: Matrix<Float>? = nil
        let expected = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels, gradient: &none)
        let data = LabeledData(features: x, labels: labels, shape: ImageShape(channels: 1, height: 4, width: 4), classCount: 4)
        let evaluated = model.evaluate(data, batch: 10)
        XCTAssertEqual(evaluated.loss, expected.loss, accuracy: 1e-6)
        XCTAssertEqual(evaluated.accuracy, Double(expected.correct) / 10)
    }
}
