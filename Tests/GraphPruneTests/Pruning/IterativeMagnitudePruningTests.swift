import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

/// The lottery-ticket line: kept counts level by level, rewinding bit for bit (to the
/// initialisation and to an epoch), and the two controls.
final class IterativeMagnitudePruningTests: XCTestCase {
    private func data() -> DataSplit { NetworkTestSupport.standardizedSynthetic(trainCount: 160, testCount: 40, seed: 5) }

    private func settings(_ epochs: Int) -> TrainingSettings {
        var t = TrainingSettings(epochs: epochs)
        (t.batchSize, t.seed, t.momentum) = (20, 4, 0.9)
        return t
    }

    /// The weights of the pruned layers where `mask` keeps them, row-major.
    private func kept(_ model: Network, _ p: Int) -> [Float] {
        let c = model.layers[p].connections!
        return c.weight.elements.indices.filter { c.mask?.elements[$0] ?? 1 != 0 }.map { c.weight.elements[$0] }
    }

    func testEachLevelKeepsItsShareAndRewindsBitForBit() throws {
        let split = data()
        let initial = Network(architecture: try Architecture.parse("12-24-16-4", inputShape: nil), initializer: .glorotUniform, seed: 2)
        for rewindEpochs in [0, 1] {
            let imp = IterativeMagnitudePruning(pruningFraction: 0.2, rewindEpochs: rewindEpochs)
            let (rewind, level0) = try imp.start(initial, data: split, settings: settings(3))
            // The rewind point is the model trained `rewindEpochs` epochs on its own.
            var alone = initial
            _ = try Trainer.fit(&alone, data: split, settings: settings(rewindEpochs))
            XCTAssertEqual(rewind.logits(split.test.features).elements, alone.logits(split.test.features).elements, "rewind \(rewindEpochs)")
            var level = level0
            let positions = EdgeLayers.positions(in: initial)
            var remaining = positions.map { initial.layers[$0].connections!.weight.elements.count }.reduce(0, +)
            for j in 1...3 {
                let pruning = try imp.prune(level.trained)
                remaining = Int((0.8 * Double(remaining)).rounded())
                XCTAssertEqual(pruning.layers.map(\.kept).reduce(0, +), remaining, "level \(j)")
                // Before retraining: the rewind point's weights, exactly, where the masks keep them.
                let rewound = try IterativeMagnitudePruning.applying(pruning, to: rewind)
                for (p, report) in zip(positions, pruning.layers) {
                    let mask = report.mask.elements
                    let r = rewind.layers[p].connections!.weight.elements
                    XCTAssertEqual(kept(rewound, p), mask.indices.filter { mask[$0] != 0 }.map { r[$0] }, "level \(j) layer \(p)")
                }
                level = try imp.next(after: level, rewind: rewind, data: split, retraining: settings(3 - rewindEpochs))
                XCTAssertEqual(level.trained.connections, remaining, "level \(j): the retrained network has the kept connections")
                // The controls: the same counts per layer.
                let random = try IterativeMagnitudePruning.randomMasks(like: pruning, on: rewind, seed: 9)
                let fresh = Network(architecture: initial.architecture, initializer: .glorotUniform, seed: 77)
                let reinit = try IterativeMagnitudePruning.applying(pruning, to: fresh)
                for (p, report) in zip(positions, pruning.layers) {
                    XCTAssertEqual(random.layers[p].maskedConnections, report.kept)
                    XCTAssertEqual(reinit.layers[p].maskedConnections, report.kept)
                }
            }
        }
    }
}
