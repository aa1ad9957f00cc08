import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

/// Gradual magnitude pruning: the cubic schedule by hand, the counts and the kept set at every
/// pruning step against a brute-force sort, masks that hold through momentum and weight decay.
final class GradualMagnitudePruningTests: XCTestCase {
    func testTheScheduleIsZhuAndGuptasCubic() {
        let gmp = GradualMagnitudePruning(finalSparsity: 0.8, startStep: 10, endStep: 55, frequency: 10)
        XCTAssertEqual(gmp.intervals, 4)
        // s_t = 0.8 + (0 − 0.8)(1 − (t − 10)/40)³ at t = 10, 20, 30, 40, 50.
        for (t, s) in [(0, 0.0), (9, 0.0), (10, 0.0), (20, 0.4625), (30, 0.7), (40, 0.7875), (50, 0.8), (55, 0.8), (900, 0.8)] {
            XCTAssertEqual(gmp.sparsity(afterStep: t), s, accuracy: 1e-12, "t = \(t)")
        }
        XCTAssertEqual((0...60).filter(gmp.prunes(afterStep:)), [10, 20, 30, 40, 50])
        XCTAssertNotNil(GradualMagnitudePruning(finalSparsity: 1, startStep: 0, endStep: 1, frequency: 1).problem)
        XCTAssertNotNil(GradualMagnitudePruning(finalSparsity: 0.5, startStep: 5, endStep: 1, frequency: 1).problem)
    }

    private func data() -> DataSplit { NetworkTestSupport.standardizedSynthetic(trainCount: 200, testCount: 40, seed: 5) }

    /// Every pruning step keeps exactly `round((1 − s_t) m)` of each layer's `m` weights — the
    /// largest |w| among those still there (a brute-force sort) — layerwise, and over all layers
    /// by one threshold globally.
    func testEveryPruningStepKeepsTheLargestMagnitudesInTheScheduledCount() throws {
        for scope in GradualMagnitudePruning.Scope.allCases {
            let architecture = try Architecture.parse("c3-p-16-4", inputShape: [1, 2, 6])
            let dense = Network(architecture: architecture, initializer: .glorotUniform, seed: 3)
            let positions = EdgeLayers.positions(in: dense)
            XCTAssertEqual(positions.count, 3)
            var model = GradualMagnitudePruning.prepared(dense, positions: positions)
            let gmp = GradualMagnitudePruning(finalSparsity: 0.9, startStep: 2, endStep: 8, frequency: 2, scope: scope)
            let totals = positions.map { model.layers[$0].connections!.weight.elements.count }
            var optimizer: any Optimizer = SGD(momentum: 0.9)
            var previous = positions.map { Set(kept(model.layers[$0])) }
            for step in [2, 4, 6, 8] {
                let before = positions.map { magnitudes(model.layers[$0]) }
                gmp.prune(&model, positions: positions, totals: totals, afterStep: step, optimizer: &optimizer)
                let s = gmp.sparsity(afterStep: step)
                let now = positions.map { Set(kept(model.layers[$0])) }
                switch scope {
                case .layerwise:
                    for (l, total) in totals.enumerated() {
                        XCTAssertEqual(now[l].count, Int((Double(total) * (1 - s)).rounded()), "step \(step) layer \(l)")
                        let expected = before[l].sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(now[l].count).map(\.key)
                        XCTAssertEqual(now[l], Set(expected), "step \(step) layer \(l)")
                    }
                case .global:
                    let keep = Int((Double(totals.reduce(0, +)) * (1 - s)).rounded())
                    let all = before.enumerated().flatMap { l, m in m.map { (layer: l, key: $0.key, value: $0.value) } }
                    let expected = all.sorted { ($0.value, -$0.layer, -$0.key) > ($1.value, -$1.layer, -$1.key) }.prefix(keep)
                    for l in positions.indices {
                        XCTAssertEqual(now[l], Set(expected.filter { $0.layer == l }.map(\.key)), "global step \(step) layer \(l)")
                    }
                }
                for l in positions.indices { XCTAssertTrue(now[l].isSubset(of: previous[l]), "removed connections never return") }
                previous = now
            }
        }
    }

    /// The row-major positions (out × in) of a layer's connections.
    private func kept(_ layer: any Layer) -> [Int] {
        let c = layer.connections!
        return c.weight.elements.indices.filter { k in c.mask.map { $0.elements[k] != 0 } ?? true }
    }

    private func magnitudes(_ layer: any Layer) -> [Int: Float] {
        let c = layer.connections!
        return Dictionary(uniqueKeysWithValues: kept(layer).map { ($0, abs(c.weight.elements[$0])) })
    }

    /// Training with momentum and weight decay: each layer ends at the final density, removed
    /// weights stay zero (a sparse layer no longer stores them, a convolution's stay masked),
    /// and the run is deterministic.
    func testTrainingReachesTheFinalDensityAndMasksHold() throws {
        let split = data()
        var settings = TrainingSettings(epochs: 4)
        (settings.batchSize, settings.momentum, settings.weightDecay, settings.seed) = (20, 0.9, 1e-3, 7)
        let architecture = try Architecture.parse("c3-p-16-4", inputShape: [1, 2, 6])
        let gmp = GradualMagnitudePruning(finalSparsity: 0.75, startStep: 5, endStep: 25, frequency: 5)
        var runs = [Network]()
        for _ in 0..<2 {
            var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 3)
            var connections = [Int]()
            let history = try gmp.train(&model, data: split, settings: settings, onEpoch: { connections.append($0.connections) })
            XCTAssertEqual(history.count, 4)
            XCTAssertEqual(connections, history.map(\.connections))
            runs.append(model)
        }
        let model = runs[0]
        XCTAssertEqual(model.architecture.layers.filter { if case .sparseDense = $0 { true } else { false } }.count, 2)
        for p in EdgeLayers.positions(in: model) {
            let c = try XCTUnwrap(model.layers[p].connections)
            let m = c.weight.elements.count
            XCTAssertEqual(model.layers[p].maskedConnections, Int((Double(m) * 0.25).rounded()), "layer \(p)")
            let mask = try XCTUnwrap(c.mask)
            for k in c.weight.elements.indices where mask.elements[k] == 0 { XCTAssertEqual(c.weight.elements[k], 0) }
        }
        let x = split.test.features
        XCTAssertEqual(runs[0].logits(x).elements, runs[1].logits(x).elements, "same seed, same model")
    }
}
