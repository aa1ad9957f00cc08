import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

/// Structured pruning over dependency groups on a ResNet with both kinds of shortcut.
final class DependencyGroupTests: XCTestCase {
    private let magnitude = MagnitudeScorer()

    private func names(_ nodes: [Int], _ architecture: Architecture) -> [String] { nodes.map { architecture.names[$0] } }

    func testGroupsOfAResidualNetworkFollowTheGraph() throws {
        let architecture = try NetworkGraphTests.residualArchitecture()
        let groups = try DependencyGroup.groups(of: architecture)
        XCTAssertEqual(groups.map { names($0.producers, architecture) }, [
            ["conv1"], ["layer1.0.conv1"], ["layer1.0.conv2", "layer1.0.shortcut.0", "layer1.1.conv2"], ["layer1.1.conv1"], ["linear"],
        ])
        let stage = groups[2]
        XCTAssertEqual(stage.units, 6)
        XCTAssertEqual(names(stage.consumers, architecture), ["layer1.1.conv1", "linear"])
        XCTAssertEqual(names(stage.members, architecture), [
            "layer1.0.bn2", "layer1.0.shortcut.1", "layer1.0.add", "layer1.0.relu2",
            "layer1.1.bn2", "layer1.1.add", "layer1.1.relu2", "avgpool",
        ])
        XCTAssertEqual(names(groups[0].consumers, architecture), ["layer1.0.conv1", "layer1.0.shortcut.0"])
        XCTAssertNil(stage.blocked)
        XCTAssertEqual(groups[4].blocked, "its channels are the logits")
        // The average pool's output holds one value per channel; the block outputs 3 × 3.
        XCTAssertEqual(stage.area[architecture.names.firstIndex(of: "avgpool")! + 1], 1)
        XCTAssertEqual(stage.area[architecture.names.firstIndex(of: "layer1.1.relu2")! + 1], 9)
    }

    /// The original model in which every removed channel's contribution was removed by hand:
    /// each consumer's input columns of the removed channels set to 0.
    private func zeroedReference(_ model: Network, removed: [(group: DependencyGroup, channels: [Int])]) -> Network {
        var layers = model.layers
        for (group, channels) in removed {
            for consumer in group.consumers {
                let connections = layers[consumer].connections!
                // A convolution's input channel owns kh·kw columns; a Dense layer's, the
                // channel's features in its input activation.
                let area = layers[consumer] is Conv2D ? connections.inputGroupSize : group.area[model.architecture.inputs[consumer][0]]!
                NetworkTestSupport.zeroInputChannels(&layers[consumer], channels, area: area, columns: connections.weight.columns)
            }
        }
        return Network(architecture: model.architecture, layers: layers)
    }

    func testPrunedResidualNetworkEqualsTheHandZeroedModelForAnyScorer() throws {
        let model = try NetworkGraphTests.residualModel()
        let x = NetworkTestSupport.matrix(6, 36, seed: 21)
        let scorers: [any ImportanceScorer] = [
            magnitude, RandomScorer(seed: 4),
            try ScorerRegistry.standard.make("eigenvector", options: { var o = ScorerOptions(); o.tau = 0.0; return o }()),
        ]
        let groups = try DependencyGroup.groups(of: model.architecture)
        for scorer in scorers {
            for scoring in GroupScoring.allCases {
                let pruning = NeuronPruning(scorer: scorer, pruneRatio: 0.5, groupScoring: scoring)
                let convolutions = try LayerSelection.positions("conv", in: model)
                let result = try pruning.prune(model, layers: convolutions)
                XCTAssertEqual(result.layers.map(\.name), ["conv1", "layer1.0.conv1", "layer1.0.conv2", "layer1.1.conv1"])
                XCTAssertEqual(result.layers[2].coupled, ["layer1.0.shortcut.0", "layer1.1.conv2"])
                let removed = result.layers.map { report -> (DependencyGroup, [Int]) in
                    let group = groups.first { $0.producers.contains(report.position) }!
                    return (group, (0..<report.unitsBefore).filter { !report.kept.contains($0) })
                }
                XCTAssertEqual(removed.map(\.1.count), [2, 3, 3, 3])
                let reference = zeroedReference(model, removed: removed)
                let expected = reference.logits(x), got = result.model.logits(x)
                for (a, b) in zip(got.elements, expected.elements) {
                    XCTAssertEqual(a, b, accuracy: 2e-5, "\(scorer.name) \(scoring)")
                }
                XCTAssertLessThan(result.costAfter.parameters, result.costBefore.parameters)
                XCTAssertLessThan(result.costAfter.flops, result.costBefore.flops)
            }
        }
    }

    func testBatchNormStateMasksAndCheckpointsCarryOver() throws {
        var model = try NetworkGraphTests.residualModel()
        // An edge-pruned stem convolution: its mask must be sliced with its filters.
        let stem = model.architecture.names.firstIndex(of: "conv1")!
        model.modifyLayer(at: stem, as: Conv2D.self) { conv in
            var mask = Matrix<Float>(rows: conv.filters, columns: conv.weight.columns, repeating: 1)
            for k in stride(from: 0, to: mask.elements.count, by: 3) { mask.elements[k] = 0 }
            conv.setMask(mask)
        }
        let result = try NeuronPruning(scorer: magnitude, pruneRatio: 0.5).prune(model, layers: [stem])
        let kept = result.layers[0].kept
        let bn = model.architecture.names.firstIndex(of: "bn1")!
        let before = model.layers[bn] as! BatchNorm, after = result.model.layers[bn] as! BatchNorm
        XCTAssertEqual(after.runningMean, kept.map { before.runningMean[$0] })
        XCTAssertEqual(after.runningVariance, kept.map { before.runningVariance[$0] })
        XCTAssertEqual(after.scale, kept.map { before.scale[$0] })
        XCTAssertEqual([after.momentum, after.epsilon], [before.momentum, before.epsilon])
        let maskBefore = (model.layers[stem] as! Conv2D).mask!, maskAfter = (result.model.layers[stem] as! Conv2D).mask!
        XCTAssertEqual(maskAfter, maskBefore.selectingRows(kept))
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("pruned.safetensors")
        try ModelCheckpoint.save(result.model, to: url)
        let loaded = try ModelCheckpoint.load(url).model
        let x = NetworkTestSupport.matrix(3, 36, seed: 2)
        XCTAssertEqual(loaded.logits(x).elements.map(\.bitPattern), result.model.logits(x).elements.map(\.bitPattern))
    }

    func testRefusalsNameTheLayer() throws {
        let model = try NetworkGraphTests.residualModel()
        let linear = model.architecture.names.firstIndex(of: "linear")!
        XCTAssertThrowsError(try NeuronPruning(scorer: magnitude, pruneRatio: 0.5).prune(model, layers: [linear])) {
            XCTAssertEqual("\($0)", "linear is the output layer (the logits): it cannot be pruned")
        }
        let stage = model.architecture.names.firstIndex(of: "layer1.0.conv2")!
        XCTAssertThrowsError(try NeuronPruning(scorer: magnitude, pruneRatio: 0.5, minimumWidth: 4).prune(model, layers: [stage])) {
            XCTAssertEqual("\($0)", "layer1.0.conv2: pruning 3 of 6 neurons leaves 3, fewer than the minimum width 4")
        }
        // A grouped convolution (2 groups of 2 channels) blocks the group it reads.
        var graph = GraphBuilder(inputShape: [1, 4, 4])
        var x = try graph.add("conv", .convolution(.init(filters: 4, kernel: 3, padding: 1)), from: [0])
        x = try graph.add("grouped", .convolution(.init(filters: 4, kernel: 1, groups: 2)), from: [x])
        try graph.add("linear", .dense(outputs: 2), from: [x])
        let grouped = Network(
            architecture: Architecture(inputShape: [1, 4, 4], layers: graph.layers, inputs: graph.inputs, names: graph.names),
            initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try NeuronPruning(scorer: magnitude, pruneRatio: 0.5).prune(grouped, layers: [0])) {
            XCTAssertEqual("\($0)", "conv cannot be pruned: grouped is a grouped convolution")
        }
    }

    func testGroupReductionsCombinePerProducerScores() throws {
        let model = try NetworkGraphTests.residualModel()
        let group = try DependencyGroup.groups(of: model.architecture)[2]
        let each = group.producers.map { model.layers[$0].connections!.weight.rowNorms() }
        let reduced = { (scoring: GroupScoring) in try scoring.scores(of: group, in: model, with: self.magnitude).values }
        for k in 0..<group.units {
            let column = each.map { Double($0[k]) }
            XCTAssertEqual(try reduced(.sum)[k], column.reduce(0, +), accuracy: 1e-5)
            XCTAssertEqual(try reduced(.mean)[k], column.reduce(0, +) / 3, accuracy: 1e-5)
            XCTAssertEqual(try reduced(.max)[k], column.max()!, accuracy: 1e-5)
            let concatenated = (column.map { $0 * $0 }.reduce(0, +)).squareRoot()
            XCTAssertEqual(try reduced(.concatenated)[k], concatenated, accuracy: 1e-4, "the L2 norm of the joined rows")
        }
    }
}

/// Groups through Flatten, depthwise convolutions and average pooling, and the checkpoint of
/// every layer kind a graph can hold.
final class DependencyGroupLayoutTests: XCTestCase {
    /// conv(6) → BatchNorm → ReLU → depthwise conv → average pool → Flatten → Dense(5) → ReLU
    /// → Dense(3): the convolution's group holds the depthwise convolution and the pool, and the
    /// first Dense layer reads it in column blocks of H·W = 4 after the Flatten.
    static func model() throws -> Network {
        var graph = GraphBuilder(inputShape: [2, 4, 4])
        var x = try graph.add("conv", .convolution(.init(filters: 6, kernel: 3, padding: 1)), from: [0])
        x = try graph.add("bn", GraphBuilder.batchNorm, from: [x])
        x = try graph.add("relu", .relu, from: [x])
        x = try graph.add("depthwise", .convolution(.init(filters: 6, kernel: 3, padding: 1, groups: 6, bias: false)), from: [x])
        x = try graph.add("pool", .averagePool(size: 2), from: [x])
        x = try graph.add("flatten", .flatten, from: [x])
        x = try graph.add("fc1", .dense(outputs: 5), from: [x])
        x = try graph.add("relu2", .relu, from: [x])
        try graph.add("fc2", .dense(outputs: 3), from: [x])
        let architecture = Architecture(inputShape: [2, 4, 4], layers: graph.layers, inputs: graph.inputs, names: graph.names)
        try architecture.validate()
        var model = Network(architecture: architecture, initializer: .kaimingNormal, seed: 5)
        model.modifyLayer(at: 1, as: BatchNorm.self) { norm in
            norm.runningMean = (0..<6).map { Float($0) * 0.1 - 0.2 }
            norm.runningVariance = (0..<6).map { 0.5 + Float($0) * 0.2 }
            norm.shift = (0..<6).map { Float($0) * 0.05 }
        }
        return model
    }

    func testFlattenDepthwiseAndPoolingJoinTheConvolutionsGroup() throws {
        let model = try Self.model()
        let groups = try DependencyGroup.groups(of: model.architecture)
        let names = model.architecture.names
        XCTAssertEqual(groups[0].producers.map { names[$0] }, ["conv"])
        XCTAssertEqual(groups[0].members.map { names[$0] }, ["bn", "relu", "depthwise", "pool", "flatten"])
        XCTAssertEqual(groups[0].consumers.map { names[$0] }, ["fc1"])
        XCTAssertEqual(groups[0].area[6], 4, "after the 2×2 pool and the Flatten, 4 features per channel")
        let result = try NeuronPruning(scorer: MagnitudeScorer(), pruneRatio: 0.5).prune(model, layers: [0, 6])
        XCTAssertEqual(result.model.architecture.layers[3], .convolution(.init(filters: 3, kernel: 3, padding: 1, groups: 3, bias: false)))
        XCTAssertEqual(try result.model.architecture.shapes()[6], [1, 1, 12], "the Flatten after pruning: 3 channels of 2 × 2")
        // The reference: the original with the removed channels' columns zeroed in fc1 (blocks
        // of 4) and the removed units' columns in fc2.
        var layers = model.layers
        let removedChannels = (0..<6).filter { !result.layers[0].kept.contains($0) }
        let removedUnits = (0..<5).filter { !result.layers[1].kept.contains($0) }
        for (position, removed, area) in [(6, removedChannels, 4), (8, removedUnits, 1)] {
            let columns = layers[position].connections!.weight.columns
            NetworkTestSupport.zeroInputChannels(&layers[position], removed, area: area, columns: columns)
        }
        let x = NetworkTestSupport.matrix(4, 32, seed: 9)
        let expected = Network(architecture: model.architecture, layers: layers).logits(x)
        for (a, b) in zip(result.model.logits(x).elements, expected.elements) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testEveryGraphLayerRoundTripsThroughACheckpoint() throws {
        let model = try Self.model()
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("layout.safetensors")
        try ModelCheckpoint.save(model, to: url)
        let loaded = try ModelCheckpoint.load(url).model
        XCTAssertEqual(loaded.architecture, model.architecture)
        for (a, b) in zip(model.layers, loaded.layers) { XCTAssertEqual(a.stateTensors, b.stateTensors) }
        let x = NetworkTestSupport.matrix(3, 32, seed: 1)
        XCTAssertEqual(loaded.logits(x).elements.map(\.bitPattern), model.logits(x).elements.map(\.bitPattern))
        XCTAssertEqual(try SafetensorsFile.read(from: url).tensors["depthwise.weight"]?.shape, [6, 1, 3, 3])
    }
}

/// Graphs whose channel spaces pruning cannot follow are refused with one line, never a
/// broken model (review findings).
final class DependencyGroupRefusalTests: XCTestCase {
    private func network(_ inputShape: [Int], _ build: (inout GraphBuilder) throws -> Void) throws -> Network {
        var graph = GraphBuilder(inputShape: inputShape)
        try build(&graph)
        let architecture = Architecture(inputShape: inputShape, layers: graph.layers, inputs: graph.inputs, names: graph.names)
        try architecture.validate()
        return Network(architecture: architecture, initializer: .glorotUniform, seed: 1)
    }

    private func refusal(_ model: Network, _ name: String) -> String? {
        let position = model.architecture.names.firstIndex(of: name)!
        do { _ = try NeuronPruning(scorer: MagnitudeScorer(), pruneRatio: 0.5).prune(model, layers: [position]); return nil } catch {
            return "\(error)"
        }
    }

    func testAGroupedConvolutionWritingIntoASpaceBlocksIt() throws {
        let model = try network([4, 6, 6]) { g in
            let grouped = try g.add("grouped", .convolution(.init(filters: 8, kernel: 3, padding: 1, groups: 2)), from: [0])
            let conv = try g.add("conv", .convolution(.init(filters: 8, kernel: 3, padding: 1)), from: [0])
            let sum = try g.add("add", .add, from: [grouped, conv])
            let pooled = try g.add("pool", .globalAveragePooling, from: [try g.add("relu", .relu, from: [sum])])
            try g.add("fc", .dense(outputs: 3), from: [pooled])
        }
        XCTAssertEqual(refusal(model, "conv"), "conv cannot be pruned: grouped is a grouped convolution")
        XCTAssertEqual(try LayerSelection.positions("conv", in: model).map { model.architecture.names[$0] }, ["conv"], "a grouped convolution is not a producer")
    }

    func testProducersOfDifferentWidthsInOneSpaceBlockIt() throws {
        let model = try network([2, 3, 3]) { g in
            let dense = try g.add("dense", .dense(outputs: 72), from: [0])
            let conv = try g.add("conv", .convolution(.init(filters: 8, kernel: 3, padding: 1)), from: [0])
            let sum = try g.add("add", .add, from: [dense, try g.add("flatten", .flatten, from: [conv])])
            try g.add("fc", .dense(outputs: 3), from: [try g.add("relu", .relu, from: [sum])])
        }
        XCTAssertEqual(refusal(model, "dense"), "dense cannot be pruned: conv produces 8 channels and dense 72 in the same space")
        XCTAssertEqual(refusal(model, "conv"), "conv cannot be pruned: conv produces 8 channels and dense 72 in the same space")
    }

    func testAOneFilterConvolutionOnOneRowImagesIsOneChannel() throws {
        // c1-10 on the synthetic set's 1 × 1 × 64 samples: one filter, whose output is one row.
        let chain = Network(architecture: try Architecture.parse("c1-10", inputShape: [1, 1, 64]), initializer: .glorotUniform, seed: 1)
        let groups = try DependencyGroup.groups(of: chain.architecture)
        XCTAssertEqual(groups[0].units, 1)
        XCTAssertNoThrow(try NeuronPruning(scorer: MagnitudeScorer(), pruneRatio: 0.5).prune(chain, layers: [0]), "⌊0.5⌋ = 0 of 1 filter pruned")
        // Four filters on 1 × 20 images followed by BatchNorm over the 4 channels.
        let model = try network([1, 1, 20]) { g in
            let conv = try g.add("conv", .convolution(.init(filters: 4, kernel: 3, padding: 1)), from: [0])
            let norm = try g.add("bn", GraphBuilder.batchNorm, from: [conv])
            try g.add("fc", .dense(outputs: 3), from: [try g.add("relu", .relu, from: [norm])])
        }
        let result = try NeuronPruning(scorer: MagnitudeScorer(), pruneRatio: 0.5).prune(model, layers: [0])
        XCTAssertEqual(try result.model.architecture.shapes()[1], [2, 1, 20])
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("p.safetensors")
        try ModelCheckpoint.save(result.model, to: url)
        XCTAssertNoThrow(try ModelCheckpoint.load(url))
    }
}
