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

    /// A masked convolution: the dense gradient RigL grows by is the unmasked layer's gradient
    /// (checked against central differences of the loss), the update drops the smallest active
    /// |w| and grows the largest |∂L/∂W| among the empty positions, keeps the count, sets the
    /// grown weights to 0 and resets the optimiser's state there.
    func testAConvolutionUpdateGrowsWhereTheUnmaskedGradientIsLargest() throws {
        let architecture = try Architecture.parse("c3-c4-p-5", inputShape: [1, 6, 6])
        var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 4)
        try RigL.sparsifyConvolutions(&model, densities: [(0, 0.6), (2, 0.5)], seed: 7)
        XCTAssertEqual(RigL.maskedConvolutionPositions(of: model), [0, 2])
        XCTAssertEqual(model.layer(at: 0, as: Conv2D.self).connectionCount, Int((0.6 * 27).rounded()))
        XCTAssertEqual(model.layer(at: 2, as: Conv2D.self).connectionCount, 54)
        let x = NetworkTestSupport.matrix(5, 36, seed: 3)
        let labels: [Int32] = [0, 1, 2, 3, 4]
        // Momentum state everywhere the masks allow, from a few steps of training.
        var optimizer: any Optimizer = SGD(momentum: 0.9)
        let data = LabeledData(features: x, labels: labels, shape: ImageShape(channels: 1, height: 6, width: 6), classCount: 5)
        var settings = TrainingSettings(epochs: 2)
        (settings.batchSize, settings.seed) = (5, 1)
        var session = try TrainingSession(for: model, data: DataSplit(train: data, test: data), settings: settings)
        _ = try session.runEpoch(&model, afterStep: { _, _, _, o in optimizer = o })

        let p = 2
        let (activations, gradients) = model.activationGradients(features: x, labels: labels)
        let layer = model.layer(at: p, as: Conv2D.self)
        let input = activations[model.architecture.inputs[p][0]]
        let g = layer.unmaskedWeightGradient(input: input, output: activations[p + 1], outputGradient: gradients[p + 1])
        // The unmasked gradient at a pruned position is the loss's derivative there.
        let mask = try XCTUnwrap(layer.mask).elements
        let pruned = try XCTUnwrap(mask.indices.first { mask[$0] == 0 })
        func loss(_ delta: Float) -> Double {
            var copy = model
            copy.modifyLayer(at: p, as: Conv2D.self) { c in
                c.setMask(nil)
                c.weight.elements[pruned] += delta
            }
            var none: Matrix<Float>? = nil
            return SoftmaxCrossEntropy.evaluate(logits: copy.outputs(x), labels: labels[...], gradient: &none).loss
        }
        let h: Float = 1e-2
        XCTAssertEqual(Double(g.elements[pruned]), (loss(h) - loss(-h)) / Double(2 * h), accuracy: 2e-3 + 2e-2 * abs(Double(g.elements[pruned])))
        // The expected mask, by the definition.
        let rigl = RigL(dropFraction: 0.5, frequency: 1, endStep: 4)
        let k = Int((rigl.fraction(afterStep: 1) * 54).rounded())
        let w = layer.weight.elements
        let active = mask.indices.filter { mask[$0] != 0 }
        let dropped = Set(active.sorted { (abs(w[$0]), $0) < (abs(w[$1]), $1) }.prefix(k))
        let empty = mask.indices.filter { mask[$0] == 0 || dropped.contains($0) }
        let grown = Set(empty.sorted { (abs(g.elements[$0]), -$0) > (abs(g.elements[$1]), -$1) }.prefix(k))
        let expected = Set(active).subtracting(dropped).union(grown)
        XCTAssertTrue(k > 0 && !grown.isSubset(of: dropped))
        let before = try XCTUnwrap(optimizer as? SGD).velocities
        let index = TrainingSession.parameterIndices(of: model, layer: p).lowerBound
        let moved = rigl.update(&model, afterStep: 1, features: x, labels: labels, optimizer: &optimizer)
        XCTAssertEqual(moved.map(\.position), [0, 2])
        let after = model.layer(at: p, as: Conv2D.self)
        let now = try XCTUnwrap(after.mask).elements
        XCTAssertEqual(Set(now.indices.filter { now[$0] != 0 }), expected)
        XCTAssertEqual(after.connectionCount, 54)
        for i in grown { XCTAssertEqual(after.weight.elements[i], 0, "grown \(i) starts at 0") }
        for i in expected.subtracting(grown) { XCTAssertEqual(after.weight.elements[i], w[i], "kept \(i) unchanged") }
        let velocities = try XCTUnwrap(optimizer as? SGD).velocities[index]
        for i in velocities.indices {
            XCTAssertEqual(velocities[i], dropped.union(grown).contains(i) ? 0 : before[index][i], "state \(i)")
        }
    }

    func testConvolutionMasksAreSeededAndDenseLayersStayUnmasked() throws {
        let architecture = try Architecture.parse("c3-c4-p-5", inputShape: [1, 6, 6])
        var a = Network(architecture: architecture, initializer: .glorotUniform, seed: 4), b = a
        try RigL.sparsifyConvolutions(&a, densities: [(0, 1), (2, 0.25)], seed: 9)
        try RigL.sparsifyConvolutions(&b, densities: [(0, 1), (2, 0.25)], seed: 9)
        XCTAssertEqual(RigL.maskedConvolutionPositions(of: a), [2])
        XCTAssertEqual(a.layer(at: 2, as: Conv2D.self).mask, b.layer(at: 2, as: Conv2D.self).mask)
        XCTAssertEqual(a.layer(at: 2, as: Conv2D.self).connectionCount, 27)
        XCTAssertThrowsError(try RigL.sparsifyConvolutions(&a, densities: [(1, 0.5)], seed: 1)) {
            XCTAssertEqual("\($0)".contains("node 1 is not an ungrouped convolution"), true, "\($0)")
        }
    }
}
