import XCTest
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics
@testable import GraphPrunePruning

/// GraSP's Hessian–vector product against finite differences of the gradient, its gradient
/// against the training engine's, its score against the definition, and signed scores in
/// edge pruning.
final class GraSPTests: XCTestCase {
    private static func model(seed: UInt64 = 3) throws -> Network {
        Network(architecture: try Architecture.multilayerPerceptron("6-5-4-3", dropout: 0.3), initializer: .glorotUniform, seed: seed)
    }

    private static func data(_ n: Int = 8, seed: UInt64 = 5) -> LabeledData {
        var generator = SplitMix64(seed: seed)
        var gaussian = GaussianSampler()
        let features = Matrix<Float>(rows: n, columns: 6, elements: (0..<(n * 6)).map { _ in Float(gaussian.next(using: &generator)) })
        return LabeledData(features: features, labels: (0..<n).map { Int32($0 % 3) }, shape: .vector(6), classCount: 3)
    }

    private static func direction(like weights: [Matrix<Double>], seed: UInt64) -> [Matrix<Double>] {
        var generator = SplitMix64(seed: seed)
        var gaussian = GaussianSampler()
        return weights.map { w in Matrix(rows: w.rows, columns: w.columns, elements: w.elements.map { _ in gaussian.next(using: &generator) }) }
    }

    private static func dot(_ a: [Matrix<Double>], _ b: [Matrix<Double>]) -> Double {
        zip(a, b).reduce(0) { s, m in s + zip(m.0.elements, m.1.elements).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    /// `(∇L(W + εV) − ∇L(W − εV)) / 2ε`, flattened.
    private static func finiteDifference(_ chain: DenseChainCurvature, _ x: Matrix<Double>, _ y: [Int32], temperature: Double, _ v: [Matrix<Double>], epsilon: Double = 1e-5) -> [Double] {
        func gradient(_ sign: Double) -> [Double] {
            var moved = chain
            for l in moved.weights.indices { for e in moved.weights[l].elements.indices { moved.weights[l].elements[e] += sign * epsilon * v[l].elements[e] } }
            return moved.gradient(x, labels: y, temperature: temperature).gradients.flatMap(\.elements)
        }
        return zip(gradient(1), gradient(-1)).map { ($0 - $1) / (2 * epsilon) }
    }

    func testTheGradientIsTheTrainingEnginesAndTheTemperatureScalesTheLogits() throws {
        let model = try Self.model(), data = Self.data()
        let chain = try DenseChainCurvature(model, scorer: "grasp")
        XCTAssertEqual(chain.positions, [0, 3, 6])
        XCTAssertEqual(chain.rectified, [true, true, false])
        let x = data.features.converted(to: Double.self)
        let (loss, gradients) = chain.gradient(x, labels: data.labels, temperature: 1)
        let engine = model.weightGradients(features: data.features, labels: data.labels)
        XCTAssertEqual(loss, engine.loss, accuracy: 1e-5)
        for (l, p) in chain.positions.enumerated() {
            XCTAssertClose(gradients[l].elements, engine.gradients[p]!.elements.map(Double.init), tolerance: 1e-5)
        }
        // At T = 200 the loss's slope along V is ⟨∇L, V⟩.
        let v = Self.direction(like: chain.weights, seed: 7)
        let tempered = chain.gradient(x, labels: data.labels, temperature: 200).gradients
        func temperedLoss(_ sign: Double) -> Double {
            var moved = chain
            for l in moved.weights.indices { for e in moved.weights[l].elements.indices { moved.weights[l].elements[e] += sign * 1e-5 * v[l].elements[e] } }
            return moved.gradient(x, labels: data.labels, temperature: 200).loss
        }
        XCTAssertEqual((temperedLoss(1) - temperedLoss(-1)) / 2e-5, Self.dot(tempered, v), accuracy: 1e-9)
        XCTAssertNotEqual(Self.dot(tempered, v), 0)
    }

    func testTheHessianVectorProductIsTheFiniteDifferenceOfTheGradientAndSymmetric() throws {
        let chain = try DenseChainCurvature(try Self.model(), scorer: "grasp"), data = Self.data()
        let x = data.features.converted(to: Double.self)
        for temperature in [1.0, 200] {
            let v = Self.direction(like: chain.weights, seed: 11), u = Self.direction(like: chain.weights, seed: 12)
            let hv = chain.hessianVectorProduct(x, labels: data.labels, temperature: temperature, direction: v)
            let expected = Self.finiteDifference(chain, x, data.labels, temperature: temperature, v)
            let scale = expected.map(abs).max()!
            XCTAssertGreaterThan(scale, 0)
            XCTAssertClose(hv.flatMap(\.elements).map { $0 / scale }, expected.map { $0 / scale }, tolerance: 1e-6, "T = \(temperature)")
            let hu = chain.hessianVectorProduct(x, labels: data.labels, temperature: temperature, direction: u)
            XCTAssertEqual(Self.dot(u, hv), Self.dot(v, hu), accuracy: 1e-12 * max(1, abs(Self.dot(u, hv))))
        }
    }

    /// Two batches of four of eight samples sum to twice the mean over all eight, whatever the
    /// shuffle: g = 2 ∇L, Hg = 2 H g, score = W ⊙ Hg.
    func testTheScoreIsTheWeightTimesTheHessianGradientProduct() throws {
        let model = try Self.model(), data = Self.data()
        let chain = try DenseChainCurvature(model, scorer: "grasp")
        let x = data.features.converted(to: Double.self)
        let g = chain.gradient(x, labels: data.labels, temperature: 200).gradients.map { m in
            Matrix(rows: m.rows, columns: m.columns, elements: m.elements.map { 2 * $0 })
        }
        let hg = Self.finiteDifference(chain, x, data.labels, temperature: 200, g).map { 2 * $0 }
        let expected = zip(chain.weights.flatMap(\.elements), hg).map { $0 * $1 }
        let scores = try GraSPEdgeScorer(batches: 2, batchSize: 4)
            .scores(EdgeScoringContext(model: model, positions: [0, 3, 6], data: data, seed: 4)).flatMap(\.elements)
        let scale = expected.map(abs).max()!
        XCTAssertClose(scores.map { $0 / scale }, expected.map { $0 / scale }, tolerance: 1e-6)
        XCTAssertTrue(scores.contains { $0 < 0 } && scores.contains { $0 > 0 }, "GraSP scores are signed")
    }

    /// GraSP's meaning, from gradients alone: shrinking weight q by a factor (1 − h) changes the
    /// squared gradient norm at rate −2 · score_q (Wang et al.'s S(−θ) = −θ ⊙ Hg), so a high
    /// score marks a weight whose removal would reduce the gradient flow most.
    func testTheScoreIsTheRateAtWhichRemovingAWeightChangesTheGradientNorm() throws {
        let model = try Self.model(), data = Self.data()
        let chain = try DenseChainCurvature(model, scorer: "grasp")
        let x = data.features.converted(to: Double.self)
        let scores = try GraSPEdgeScorer(batches: 1, batchSize: 8)
            .scores(EdgeScoringContext(model: model, positions: [0, 3, 6], data: data, seed: 1))
        for (l, e) in [(0, 7), (1, 3), (2, 11), (2, 0)] {
            func normSquared(_ h: Double) -> Double {
                var moved = chain
                moved.weights[l].elements[e] *= 1 - h
                return moved.gradient(x, labels: data.labels, temperature: 200).gradients.flatMap(\.elements).reduce(0) { $0 + $1 * $1 }
            }
            let rate = (normSquared(1e-4) - normSquared(-1e-4)) / 2e-4
            XCTAssertGreaterThan(abs(rate), 0)
            XCTAssertEqual(rate, -2 * scores[l].elements[e], accuracy: 1e-6 * max(abs(rate), 1e-12) + 1e-18, "layer \(l) weight \(e)")
        }
    }

    func testSignedScoresAreRankedOverAllLayersWithTiesShared() {
        let scores = [Matrix<Double>(rows: 1, columns: 3, elements: [-1, 2, 7]), Matrix<Double>(rows: 1, columns: 2, elements: [0.5, -1])]
        let candidates = [Matrix<Double>(rows: 1, columns: 3, elements: [1, 1, 0]), Matrix<Double>(rows: 1, columns: 2, elements: [1, 1])]
        let ranks = SignedEdgeScores.ranks(scores, candidates: candidates)
        XCTAssertEqual(ranks[0].elements, [1.5, 4, 0])
        XCTAssertEqual(ranks[1].elements, [3, 1.5])
    }

    /// Greedy keeps each layer's highest signed scores; global the highest over all layers;
    /// spectral sampling refuses signed scores; GraSP refuses what is not a Dense/ReLU chain.
    func testEdgePruningKeepsTheHighestSignedScores() throws {
        let model = try Self.model(), data = Self.data(20)
        let scorer = GraSPEdgeScorer(batches: 1, batchSize: 10)
        let scores = try scorer.scores(EdgeScoringContext(model: model, positions: [0, 3, 6], data: data, seed: 2))
        let greedy = try EdgePruning(method: .greedy, density: 0.4, scorer: scorer, rewind: false, seed: 2).prune(model, data: data)
        for (k, p) in [0, 3, 6].enumerated() {
            let s = scores[k].elements
            let keep = Int((0.4 * Double(s.count)).rounded())
            let threshold = s.sorted(by: >)[keep - 1]
            let kept = greedy.model.layers[p].connections!.weight.elements.map { $0 != 0 }
            XCTAssertEqual(kept.filter { $0 }.count, keep, "layer \(p)")
            XCTAssertEqual(kept, s.map { $0 >= threshold }, "layer \(p): the top \(keep) signed scores")
        }
        let global = try EdgePruning(method: .global, density: 0.4, scorer: scorer, rewind: false, seed: 2).prune(model, data: data)
        let all = scores.flatMap(\.elements), keep = Int((0.4 * Double(all.count)).rounded())
        let threshold = all.sorted(by: >)[keep - 1]
        let kept = [0, 3, 6].flatMap { global.model.layers[$0].connections!.weight.elements.map { $0 != 0 } }
        XCTAssertEqual(kept, all.map { $0 >= threshold })
        XCTAssertThrowsError(try EdgePruning(method: .spectral, density: 0.4, scorer: scorer, rewind: false).prune(model, data: data)) {
            XCTAssertTrue("\($0)".contains("edge score 'grasp' is signed"), "\($0)")
        }
        let cnn = Network(architecture: try Architecture.parse("c4-p-10", inputShape: [1, 8, 8]), initializer: .glorotUniform, seed: 1)
        let images = LabeledData(features: Matrix(rows: 4, columns: 64, elements: (0..<256).map { Float($0 % 7) }), labels: [0, 1, 2, 3], shape: ImageShape(channels: 1, height: 8, width: 8), classCount: 10)
        XCTAssertThrowsError(try GraSPEdgeScorer(batches: 1, batchSize: 4).scores(EdgeScoringContext(model: cnn, positions: EdgeLayers.positions(in: cnn), data: images))) {
            XCTAssertTrue("\($0)".contains("grasp: node") && "\($0)".contains("chains of Dense and ReLU layers"), "\($0)")
        }
        XCTAssertThrowsError(try scorer.scores(EdgeScoringContext(model: model, positions: [0, 3, 6]))) {
            XCTAssertTrue("\($0)".contains("needs training data"), "\($0)")
        }
    }
}
