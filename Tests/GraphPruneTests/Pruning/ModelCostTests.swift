import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

final class ModelCostTests: XCTestCase {
    func testMultilayerPerceptronHandCount() throws {
        let model = Network(architecture: try Architecture.multilayerPerceptron("784-256-10", dropout: 0.3),
                               initializer: .glorotUniform, seed: 1)
        let cost = ModelCost(model)
        XCTAssertEqual(cost.layers.count, 4)  // dense, relu, dropout, dense
        XCTAssertEqual(cost.layers.map(\.parameters), [784 * 256 + 256, 0, 0, 256 * 10 + 10])
        XCTAssertEqual(cost.layers.map(\.flops), [2 * 784 * 256, 0, 0, 2 * 256 * 10])
        XCTAssertEqual(cost.parameters, 203_530)
        XCTAssertEqual(cost.parameters, model.parameterCount)
        XCTAssertEqual(cost.flops, 2 * (784 * 256 + 2560))
        XCTAssertEqual(cost.layers[3].name, "layers.3")
    }

    func testConvolutionHandCount() throws {
        // [3, 8, 8] → c4 (same 3×3) → [4, 8, 8] → pool → [4, 4, 4] → v5/3 (valid) → [5, 2, 2] → 6.
        let model = Network(architecture: try Architecture.parse("c4-p-v5/3-6", inputShape: [3, 8, 8]),
                               initializer: .kaimingNormal, seed: 2)
        let cost = ModelCost(model)
        XCTAssertEqual(cost.layers.map(\.parameters), [4 * 27 + 4, 0, 0, 5 * 36 + 5, 0, 6 * 20 + 6])
        XCTAssertEqual(cost.layers.map(\.flops), [2 * 4 * 27 * 64, 0, 0, 2 * 5 * 36 * 4, 0, 2 * 6 * 20])
        XCTAssertEqual(cost.parameters, 112 + 185 + 126)
        XCTAssertEqual(cost.parameters, model.parameterCount)
    }

    func testSparseAndSReLUHandCount() throws {
        let sparse = SparseDense(inputs: 4, outputs: 3, connections: [(0, 0), (0, 3), (1, 1), (2, 0), (2, 2)])
        let srelu = SReLU(tLeft: [0, 0, 0], aLeft: [0.1, 0.2, 0.3], tRight: [1, 2, 3], aRight: [1, 1, 1])
        let head = Dense(weight: Matrix(rows: 2, columns: 3), bias: [0, 0])
        let model = Network(
            architecture: Architecture(inputSize: 4, layers: [.sparseDense(outputs: 3, epsilon: 1), .srelu, .dense(outputs: 2)]),
            layers: [sparse, srelu, head])
        let cost = ModelCost(model)
        XCTAssertEqual(cost.layers.map(\.parameters), [5 + 3, 12, 6 + 2])
        XCTAssertEqual(cost.layers.map(\.flops), [10, 0, 12])
        XCTAssertEqual(cost.parameters, model.parameterCount)
    }

    func testMaskedConvolutionCountsItsConnections() throws {
        var conv = Conv2D(input: ImageShape(channels: 1, height: 3, width: 3), weight: Matrix(rows: 2, columns: 4, repeating: 1),
                          bias: [0, 0], padding: .valid)
        conv.setMask(Matrix([[1, 0, 0, 1], [0, 1, 0, 0]]))
        let model = Network(
            architecture: Architecture(inputShape: [1, 3, 3], layers: [.conv2d(filters: 2, kernel: 2, same: false), .dense(outputs: 2)]),
            layers: [conv, Dense(weight: Matrix(rows: 2, columns: 8), bias: [0, 0])])
        let cost = ModelCost(model)
        // 3 kept connections + 2 biases; output 2 × 2 × 2, so 4 pixels.
        XCTAssertEqual(cost.layers[0].parameters, 5)
        XCTAssertEqual(cost.layers[0].flops, 2 * 3 * 4)
        XCTAssertEqual(cost.layers[1].parameters, 18)
    }
}

/// `NeuronPruning.matchParameterBudget` against a brute force over a grid of ratios that
/// contains every breakpoint `k / n` (all widths divide 600): every distinct pruned model is
/// built and counted.
final class ParameterBudgetTests: XCTestCase {
    private let magnitude = MagnitudeScorer()

    private func bruteForce(_ model: Network, layers: [Int], minimumWidth: Int = 1) -> [(ratio: Double, parameters: Int)] {
        (0..<600).compactMap { j in
            let ratio = Double(j) / 600
            guard let result = try? NeuronPruning(scorer: magnitude, pruneRatio: ratio, minimumWidth: minimumWidth)
                .prune(model, layers: layers) else { return nil }
            return (ratio, PruningTestModels.trainable(result.model))
        }
    }

    private func check(
        _ model: Network, layers: [Int], scorer: (any ImportanceScorer)?, minimumWidth: Int = 1,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let all = bruteForce(model, layers: layers, minimumWidth: minimumWidth)
        let full = model.parameterCount
        for target in stride(from: 0, through: full + 10, by: max(1, full / 37)) {
            let match = try NeuronPruning.matchParameterBudget(
                model, layers: layers, targetParameters: target, scorer: scorer, minimumWidth: minimumWidth)
            let best = all.map { abs($0.parameters - target) }.min()!
            XCTAssertEqual(abs(match.parameters - target), best, "target \(target)", file: file, line: line)
            // The first (smallest) ratio reaching the best distance is the documented tie rule.
            let first = all.first { abs($0.parameters - target) == best }!
            XCTAssertEqual(match.parameters, first.parameters, "target \(target)", file: file, line: line)
            let pruned = try NeuronPruning(scorer: magnitude, pruneRatio: match.pruneRatio, minimumWidth: minimumWidth)
                .prune(model, layers: layers)
            XCTAssertEqual(PruningTestModels.trainable(pruned.model), match.parameters, "target \(target)", file: file, line: line)
            XCTAssertEqual(pruned.layers.map(\.unitsAfter), match.widths, file: file, line: line)
        }
    }

    func testDenseModelMatchesBruteForce() throws {
        let model = Network(architecture: try Architecture.parse("5-6-10-4", inputShape: nil, activation: .srelu),
                               initializer: .glorotUniform, seed: 1)
        try check(model, layers: [0, 2], scorer: nil)
        try check(model, layers: [2], scorer: nil, minimumWidth: 4)
    }

    func testConvolutionModelMatchesBruteForce() throws {
        let model = Network(architecture: try Architecture.parse("c6-p-8-3", inputShape: [2, 4, 4]),
                               initializer: .glorotUniform, seed: 2)
        try check(model, layers: [0, 3], scorer: nil)
    }

    func testMaskedConvolutionMatchesBruteForce() throws {
        let model = PruningTestModels.masking(
            Network(architecture: try Architecture.parse("c6-v5/2-p-3", inputShape: [2, 5, 5]), initializer: .glorotUniform, seed: 5),
            at: 2, seed: 6)
        try check(model, layers: [0, 2], scorer: magnitude)
        XCTAssertThrowsError(try NeuronPruning.matchParameterBudget(model, layers: [0], targetParameters: 50)) { error in
            XCTAssertEqual(error as? NeuronPruningError, .scorerNeeded(position: 2))
        }
    }

    func testSparseModelMatchesBruteForce() throws {
        let model = Network(architecture: try Architecture.parse("8-12-10-3", inputShape: nil, sparseEpsilon: 2),
                               initializer: .glorotUniform, seed: 3)
        try check(model, layers: [0, 2], scorer: magnitude)
        XCTAssertThrowsError(try NeuronPruning.matchParameterBudget(model, layers: [0], targetParameters: 50)) { error in
            XCTAssertEqual(error as? NeuronPruningError, .scorerNeeded(position: 0))
        }
    }

    /// A residual network: its convolutions are pruned per dependency group (the stem and both
    /// blocks' second convolutions and the shortcut share one residual stream), so every
    /// producer of a group shrinks together and BatchNorm follows; the match equals the brute
    /// force over ratios and pruning at its ratio gives exactly its count.
    func testResidualGraphMatchesBruteForce() throws {
        let model = try NetworkGraphTests.residualModel()
        let convolutions = model.layers.indices.filter { model.layers[$0] is Conv2D }
        XCTAssertFalse(model.architecture.isChain)
        let all = bruteForce(model, layers: convolutions)
        XCTAssertGreaterThan(Set(all.map(\.parameters)).count, 4, "the grid reaches several pruned models")
        for target in stride(from: 0, through: model.parameterCount + 10, by: model.parameterCount / 23) {
            let match = try NeuronPruning.matchParameterBudget(model, layers: convolutions, targetParameters: target)
            let best = all.map { abs($0.parameters - target) }.min()!
            XCTAssertEqual(abs(match.parameters - target), best, "target \(target)")
            XCTAssertEqual(match.parameters, all.first { abs($0.parameters - target) == best }!.parameters, "target \(target)")
            let pruned = try NeuronPruning(scorer: magnitude, pruneRatio: match.pruneRatio).prune(model, layers: convolutions)
            XCTAssertEqual(PruningTestModels.trainable(pruned.model), match.parameters, "target \(target)")
        }
    }

    func testExactTargetAndErrors() throws {
        let model = Network(architecture: try Architecture.multilayerPerceptron("10-20-5"), initializer: .glorotUniform, seed: 4)
        // Keeping 12 of 20 hidden neurons: 12·10 + 12 + 5·12 + 5 = 197, reached first at p = 8/20.
        let match = try NeuronPruning.matchParameterBudget(model, layers: [0], targetParameters: 197)
        XCTAssertEqual(match.parameters, 197)
        XCTAssertEqual(match.widths, [12])
        XCTAssertEqual(match.pruneRatio, 0.4)
        XCTAssertThrowsError(try NeuronPruning.matchParameterBudget(model, layers: [0], targetParameters: -1))
        XCTAssertThrowsError(try NeuronPruning.matchParameterBudget(model, layers: [2], targetParameters: 10)) { error in
            XCTAssertEqual(error as? NeuronPruningError, .outputLayer(position: 2, name: "layers.2"))
        }
    }
}
