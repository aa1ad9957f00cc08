import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning
@testable import GraphPruneCLI

/// The data-aware neuron scorers against their definitions on a two-layer network computed by
/// hand in Double: first-order Taylor, mean activation, share of nonzero activations.
final class ActivationNeuronScorerTests: XCTestCase {
    private let architecture = Architecture(inputSize: 6, layers: [.dense(outputs: 5), .relu, .dense(outputs: 3)])

    private func data() -> LabeledData {
        let x = NetworkTestSupport.matrix(12, 6, seed: 21)
        return LabeledData(features: x, labels: (0..<12).map { Int32($0 % 3) }, shape: .vector(6), classCount: 3)
    }

    /// Per sample: the hidden activation `a = relu(W₁x + b₁)` and `g = ∂L/∂a` with `L` the mean
    /// cross-entropy of all `N` samples: `g = W₂ᵀ (softmax(W₂a + b₂) − e_y) / N`.
    private func reference(_ model: Network, _ data: LabeledData) -> (a: [[Double]], g: [[Double]]) {
        let w1 = model.layers[0].connections!.weight, w2 = model.layers[2].connections!.weight
        let b1 = model.layer(at: 0, as: Dense.self).bias, b2 = model.layer(at: 2, as: Dense.self).bias
        var a = [[Double]](), g = [[Double]]()
        let n = Double(data.count)
        for s in 0..<data.count {
            let x = (0..<6).map { Double(data.features[s, $0]) }
            let h = (0..<5).map { j in max(0, (0..<6).reduce(Double(b1[j])) { $0 + Double(w1[j, $1]) * x[$1] }) }
            let z = (0..<3).map { c in (0..<5).reduce(Double(b2[c])) { $0 + Double(w2[c, $1]) * h[$1] } }
            let m = z.max()!, e = z.map { exp($0 - m) }, total = e.reduce(0, +)
            let delta = (0..<3).map { c in e[c] / total - (c == Int(data.labels[s]) ? 1 : 0) }
            a.append(h)
            g.append((0..<5).map { j in (0..<3).reduce(0.0) { $0 + Double(w2[$1, j]) * delta[$1] } / n })
        }
        return (a, g)
    }

    func testScoresAreTheirDefinitionsOnATwoLayerNetwork() throws {
        let model = Network(architecture: architecture, initializer: .glorotUniform, seed: 4)
        let data = data()
        let (a, g) = reference(model, data)
        let group = try NeuronPruning.groups(for: [0], in: model)
        // One batch of all 12 samples, so L is the mean over all of them as in the reference.
        let sampling = DataSampling(batches: 1, batchSize: 12, seed: 9)
        let n = Double(data.count)
        let expected: [ActivationNeuronScorer.Statistic: [Double]] = [
            .taylor: (0..<5).map { j in (0..<12).reduce(0.0) { $0 + abs(a[$1][j] * g[$1][j]) } / n },
            .activation: (0..<5).map { j in (0..<12).reduce(0.0) { $0 + a[$1][j] } / n },
            .apoz: (0..<5).map { j in Double((0..<12).filter { a[$0][j] != 0 }.count) / n },
        ]
        for statistic in ActivationNeuronScorer.Statistic.allCases {
            let scores = try ActivationNeuronScorer(statistic: statistic, sampling: sampling).scores(of: group, in: model, data: data)[0]
            for (value, reference) in zip(scores.values, expected[statistic]!) {
                XCTAssertEqual(value, reference, accuracy: 1e-6 * max(1, abs(reference)), "\(statistic)")
            }
        }
        XCTAssertTrue(expected[.apoz]!.contains { $0 < 1 } && expected[.taylor]!.contains { $0 > 0 }, "the case exercises dead units and nonzero gradients")
    }

    func testPruningByTaylorNeedsDataAndRunsOnResidualGroups() throws {
        let registry = NeuronScorerRegistry.standard
        XCTAssertTrue(["eigenvector", "magnitude", "taylor", "activation", "apoz"].allSatisfy(registry.names.contains))
        XCTAssertThrowsError(try registry.make("nope")) { XCTAssertTrue("\($0)".contains("known: eigenvector"), "\($0)") }
        let model = try NetworkGraphTests.residualModel()
        let positions = [0]  // the stem convolution: its group runs through the first residual sum
        let pruning = NeuronPruning(scorer: try registry.make("taylor", sampling: DataSampling(batches: 2, batchSize: 3, seed: 1)), pruneRatio: 0.5)
        XCTAssertThrowsError(try pruning.prune(model, layers: positions)) { XCTAssertTrue("\($0)".contains("needs training data"), "\($0)") }
        let images = LabeledData(features: NetworkTestSupport.matrix(8, 36, seed: 2), labels: (0..<8).map { Int32($0 % 3) },
                                 shape: ImageShape(channels: 1, height: 6, width: 6), classCount: 3)
        let result = try pruning.prune(model, layers: positions, data: images)
        XCTAssertEqual(result.layers[0].unitsAfter, result.layers[0].unitsBefore - result.layers[0].unitsBefore / 2)
        XCTAssertThrowsError(try pruning.prune(model, layers: positions, data: images.selecting([0, 1]))) {
            XCTAssertTrue("\($0)".contains("only 2 samples"), "\($0)")
        }
    }

    func testTheCommandAsksForDataAndPrunesWithIt() throws {
        let directory = try TemporaryDirectory("graphprune-taylor")
        let model = directory.path("m.safetensors"), out = directory.path("p.safetensors")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "1", "--seed", "3", "--save", model]).run()
        XCTAssertThrowsError(try PruneCommand.parse(["--model", model, "--granularity", "neuron", "--scorer", "taylor", "--ratio", "0.5", "--output", out]).run()) {
            XCTAssertTrue("\($0)".hasPrefix("--dataset: taylor scores channels on training data"), "\($0)")
        }
        try PruneCommand.parse(["--model", model, "--granularity", "neuron", "--scorer", "taylor", "--ratio", "0.5", "--dataset", "synthetic", "--output", out]).run()
        XCTAssertEqual(try ModelCheckpoint.load(URL(fileURLWithPath: out)).model.architecture.sizes, [64, 8, 8, 8, 10])
    }
}
