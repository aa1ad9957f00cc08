import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

/// RigL: the cosine schedule, and each update's dropped and grown sets against a brute force
/// (smallest |w|; largest |δᵀX| among the empty positions), the counts kept per layer.
final class RigLTests: XCTestCase {
    func testTheFractionDecaysByACosine() {
        let rigl = RigL(dropFraction: 0.3, frequency: 10, endStep: 40)
        XCTAssertEqual(rigl.fraction(afterStep: 0), 0.3, accuracy: 1e-15)
        XCTAssertEqual(rigl.fraction(afterStep: 20), 0.15, accuracy: 1e-15)
        XCTAssertEqual(rigl.fraction(afterStep: 10), 0.15 * (1 + cos(Double.pi / 4)), accuracy: 1e-15)
        XCTAssertEqual(rigl.fraction(afterStep: 40), 0, accuracy: 1e-15)
        XCTAssertEqual(rigl.fraction(afterStep: 41), 0)
        XCTAssertEqual((0...60).filter(rigl.updates(afterStep:)), [10, 20, 30, 40])
        XCTAssertNotNil(RigL(dropFraction: 1.5, endStep: 10).problem)
    }

    func testAnUpdateDropsTheSmallestAndGrowsTheLargestGradients() throws {
        let architecture = try Architecture.parse("12-16-10-4", inputShape: nil, sparseEpsilon: 2)
        var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 5)
        let x = NetworkTestSupport.matrix(6, 12, seed: 8)
        let labels: [Int32] = [0, 1, 2, 3, 0, 1]
        let rigl = RigL(dropFraction: 0.5, frequency: 1, endStep: 4)
        let (activations, gradients) = model.activationGradients(features: x, labels: labels)
        let positions = model.sparseLayerPositions
        XCTAssertEqual(positions.count, 2)
        var expected = [Int: Set<Int>]()
        for p in positions {
            let layer = model.layer(at: p, as: SparseDense.self)
            let k = Int((rigl.fraction(afterStep: 1) * Double(layer.connectionCount)).rounded())
            let stored = layer.pattern().map { $0.output * layer.inputs + $0.input }
            let dropped = Set(layer.values.indices.sorted { (abs(layer.values[$0]), $0) < (abs(layer.values[$1]), $1) }.prefix(k).map { stored[$0] })
            let input = activations[model.architecture.inputs[p][0]], delta = gradients[p + 1]
            var g = [Double](repeating: 0, count: layer.outputs * layer.inputs)
            for o in 0..<layer.outputs {
                for i in 0..<layer.inputs {
                    g[o * layer.inputs + i] = (0..<x.rows).reduce(0.0) { $0 + Double(delta[$1, o]) * Double(input[$1, i]) }
                }
            }
            let remaining = Set(stored).subtracting(dropped)
            let grown = g.indices.filter { !remaining.contains($0) }.sorted { (abs(g[$0]), -$0) > (abs(g[$1]), -$1) }.prefix(k)
            expected[p] = remaining.union(grown)
            XCTAssertTrue(k > 0 && !dropped.isEmpty)
        }
        var optimizer: any Optimizer = SGD(momentum: 0.9)
        let moved = rigl.update(&model, afterStep: 1, features: x, labels: labels, optimizer: &optimizer)
        XCTAssertEqual(moved.map(\.position), positions)
        for p in positions {
            let layer = model.layer(at: p, as: SparseDense.self)
            let now = Set(layer.pattern().map { $0.output * layer.inputs + $0.input })
            XCTAssertEqual(now, expected[p]!, "layer \(p)")
        }
    }

    func testTrainingKeepsEveryLayersConnectionCount() throws {
        let split = NetworkTestSupport.standardizedSynthetic(trainCount: 200, testCount: 40, seed: 5)
        var model = Network(architecture: try Architecture.parse("12-32-16-4", inputShape: nil, sparseEpsilon: 2), initializer: .glorotUniform, seed: 1)
        let counts = model.sparseLayerPositions.map { model.layer(at: $0, as: SparseDense.self).connectionCount }
        let before = model.sparseLayerPositions.map { Set(model.layer(at: $0, as: SparseDense.self).pattern().map { $0.output * 100 + $0.input }) }
        var settings = TrainingSettings(epochs: 3)
        (settings.batchSize, settings.seed) = (20, 2)
        let history = try RigL(dropFraction: 0.3, frequency: 5, endStep: 25).train(&model, data: split, settings: settings)
        XCTAssertEqual(Set(history.map(\.connections)).count, 1)
        XCTAssertEqual(model.sparseLayerPositions.map { model.layer(at: $0, as: SparseDense.self).connectionCount }, counts)
        let after = model.sparseLayerPositions.map { Set(model.layer(at: $0, as: SparseDense.self).pattern().map { $0.output * 100 + $0.input }) }
        XCTAssertNotEqual(after, before, "connections moved")
    }
}
