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
                let columns = connections.weight.columns
                var first = true
                layers[consumer].visitParameters { values, _ in
                    guard first else { return }
                    first = false
                    for row in 0..<(values.count / columns) {
                        for c in channels { for f in (c * area)..<((c + 1) * area) { values[row * columns + f] = 0 } }
                    }
                }
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
