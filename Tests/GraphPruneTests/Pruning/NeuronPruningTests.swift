import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning
@testable import GraphPruneCLI

/// Models with dyadic parameters and inputs, and the "pruned neurons forced to zero" reference.
///
/// Parameters are multiples of 1/8 in [−1, 1] and inputs multiples of 1/4 in [−1, 1], so every
/// product and partial sum of these small networks is exactly representable in Float: any
/// summation order (BLAS blocking, removed zero columns) gives bit-identical logits, and the
/// rebuilt model can be compared with `XCTAssertEqual`.
enum PruningTestModels {
    static func quantized(_ model: Network) -> Network {
        let layers: [any Layer] = model.layers.map { layer in
            var copy: any Layer = layer
            copy.visitParameters { values, _ in values = values.map { ($0 * 8).rounded() / 8 } }
            if var s = copy as? SReLU {
                // Keep t_l = 0 (SReLU(0) = 0) and slopes positive.
                s.tLeft = s.tLeft.map { _ in 0 }
                s.aLeft = s.aLeft.map { max(0.125, ($0 * 4).rounded() / 4) }
                s.tRight = s.tRight.map { ($0 * 4).rounded() / 4 + 0.25 }
                copy = s
            }
            return copy
        }
        return Network(architecture: model.architecture, layers: layers)
    }

    static func model(_ architecture: Architecture, seed: UInt64) -> Network {
        quantized(Network(architecture: architecture, initializer: .glorotUniform, seed: seed))
    }

    static func inputs(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Float> {
        var m = NetworkTestSupport.matrix(rows, columns, seed: seed)
        m.elements = m.elements.map { ($0 * 4).rounded() / 4 }
        return m
    }

    /// Trainable scalars counted independently of `ModelCost`: every visited parameter, less the
    /// entries a convolution's mask prunes.
    static func trainable(_ model: Network) -> Int {
        model.parameterCount - model.layers.reduce(0) { total, layer in
            total + ((layer as? Conv2D)?.mask?.elements.filter { $0 == 0 }.count ?? 0)
        }
    }

    /// `model` with a random 0/1 mask (about 60 % ones) on the convolution at `position`.
    static func masking(_ model: Network, at position: Int, seed: UInt64) -> Network {
        var layers = model.layers
        var conv = layers[position] as! Conv2D
        var generator = SplitMix64(seed: seed)
        let ones = (0..<conv.weight.elements.count).map { _ in Float(generator.nextUnitDouble() < 0.6 ? 1 : 0) }
        conv.setMask(Matrix(rows: conv.weight.rows, columns: conv.weight.columns, elements: ones))
        layers[position] = conv
        return Network(architecture: model.architecture, layers: layers)
    }

    /// `model` with the incoming weights and biases of every neuron not in `kept[position]` set
    /// to zero (their activations are then ReLU(0) = 0).
    static func zeroingPruned(_ model: Network, kept: [Int: [Int]]) -> Network {
        var layers = model.layers
        for (position, keep) in kept {
            let keepSet = Set(keep)
            switch layers[position] {
            case var d as Dense:
                for j in 0..<d.outputs where !keepSet.contains(j) {
                    for i in 0..<d.inputs { d.weight[j, i] = 0 }
                    d.bias[j] = 0
                }
                layers[position] = d
            case var c as Conv2D:
                for f in 0..<c.filters where !keepSet.contains(f) {
                    for t in 0..<c.weight.columns { c.weight[f, t] = 0 }
                    c.bias[f] = 0
                }
                layers[position] = c
            case var s as SparseDense:
                for j in 0..<s.outputs where !keepSet.contains(j) {
                    for k in s.rowStarts[j]..<s.rowStarts[j + 1] { s.values[k] = 0 }
                    s.bias[j] = 0
                }
                layers[position] = s
            default:
                XCTFail("layers.\(position) is not prunable")
            }
        }
        return Network(architecture: model.architecture, layers: layers)
    }
}

final class NeuronPruningTests: XCTestCase {
    private let magnitude = MagnitudeScorer()

    /// Prunes, then checks the rebuilt model against the zeroed original, bit for bit.
    @discardableResult
    private func checkEquivalence(
        _ model: Network, layers: [Int], ratio: Double, scorer: any ImportanceScorer,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> NeuronPruningResult {
        let result = try NeuronPruning(scorer: scorer, pruneRatio: ratio).prune(model, layers: layers)
        var kept = [Int: [Int]]()
        for report in result.layers { kept[report.position] = report.kept }
        let reference = PruningTestModels.zeroingPruned(model, kept: kept)
        let x = PruningTestModels.inputs(9, model.architecture.inputSize, seed: 11)
        let expected = reference.logits(x)
        XCTAssertEqual(result.model.logits(x), expected, "rebuilt vs zeroed logits", file: file, line: line)
        XCTAssertNotEqual(model.logits(x), expected, "the zeroing must matter for the test to bite", file: file, line: line)
        XCTAssertEqual(PruningTestModels.trainable(result.model), result.costAfter.parameters, file: file, line: line)
        XCTAssertEqual(PruningTestModels.trainable(model), result.costBefore.parameters, file: file, line: line)
        return result
    }

    func testDenseChainWithDropoutMatchesZeroedModel() throws {
        let model = PruningTestModels.model(try Architecture.multilayerPerceptron("8-10-9-4", dropout: 0.2), seed: 1)
        let result = try checkEquivalence(model, layers: [3, 0], ratio: 0.3, scorer: magnitude)
        XCTAssertEqual(result.model.architecture.summary, "8-7-7-4")
        XCTAssertEqual(result.layers.map(\.position), [0, 3])
        XCTAssertEqual(result.layers.map(\.unitsBefore), [10, 9])
        XCTAssertEqual(result.layers.map(\.unitsAfter), [7, 7])
        // Layer 0 keeps 7 rows of 8 inputs; layer 3 keeps 7 rows of the 7 kept inputs.
        XCTAssertEqual(result.layers[0].parametersBefore, 10 * 8 + 10)
        XCTAssertEqual(result.layers[0].parametersAfter, 7 * 8 + 7)
        XCTAssertEqual(result.layers[1].parametersAfter, 7 * 7 + 7)
        XCTAssertEqual(result.layers[1].flopsBefore, 2 * 9 * 10)
        XCTAssertEqual(result.layers[1].flopsAfter, 2 * 7 * 7)
        XCTAssertEqual(result.costAfter.parameters, 63 + 56 + 4 * 7 + 4)
        XCTAssertEqual(result.costAfter.flops, 2 * (7 * 8 + 7 * 7 + 4 * 7))
    }

    func testSReLUParametersAreSliced() throws {
        let architecture = try Architecture.parse("6-8-7-3", inputShape: nil, activation: .srelu)
        let model = PruningTestModels.model(architecture, seed: 2)
        let result = try checkEquivalence(model, layers: [0, 2], ratio: 0.5, scorer: magnitude)
        let before = model.layers[1] as! SReLU, after = result.model.layers[1] as! SReLU
        let kept = result.layers[0].kept
        XCTAssertEqual(after.aLeft, kept.map { before.aLeft[$0] })
        XCTAssertEqual(after.tRight, kept.map { before.tRight[$0] })
        XCTAssertEqual((result.model.layers[3] as! SReLU).units, 4)
    }

    func testConvolutionIntoConvolutionIntoDense() throws {
        let architecture = try Architecture.parse("c4-v5/2-3", inputShape: [2, 5, 5])
        let model = PruningTestModels.model(architecture, seed: 3)
        let result = try checkEquivalence(model, layers: [0, 2], ratio: 0.5, scorer: magnitude)
        XCTAssertEqual(result.model.architecture.layers[0], .conv2d(filters: 2, kernel: 3, same: true))
        XCTAssertEqual(result.model.architecture.layers[2], .conv2d(filters: 3, kernel: 2, same: false))
        let conv = result.model.layers[2] as! Conv2D, original = model.layers[2] as! Conv2D
        XCTAssertEqual(conv.input.channels, 2)
        // Filter f of the second convolution keeps the 2×2 taps of the kept input channels.
        let (k0, k1) = (result.layers[0].kept, result.layers[1].kept)
        for (a, f) in k1.enumerated() {
            for (b, c) in k0.enumerated() {
                for t in 0..<4 { XCTAssertEqual(conv.weight[a, b * 4 + t], original.weight[f, c * 4 + t]) }
            }
        }
        // The head keeps the 4×4 column groups of the kept filters: 3 · 16 inputs.
        XCTAssertEqual((result.model.layers[4] as! Dense).inputs, 3 * 16)
    }

    func testConvolutionPoolDenseAndGlobalPooling() throws {
        let pooled = PruningTestModels.model(try Architecture.parse("c4-p-5-3", inputShape: [1, 6, 6]), seed: 4)
        let result = try checkEquivalence(pooled, layers: [0, 3], ratio: 0.25, scorer: magnitude)
        XCTAssertEqual((result.model.layers[2] as! MaxPool2D).input, ImageShape(channels: 3, height: 6, width: 6))
        XCTAssertEqual((result.model.layers[3] as! Dense).inputs, 3 * 9)
        let gap = PruningTestModels.model(try Architecture.parse("c6-gap-3", inputShape: [2, 4, 4]), seed: 5)
        try checkEquivalence(gap, layers: [0], ratio: 0.5, scorer: magnitude)
    }

    func testMaskedConvolutionKeepsItsMaskSliced() throws {
        let base = PruningTestModels.model(try Architecture.parse("c4-c5-3", inputShape: [2, 3, 3]), seed: 12)
        let model = PruningTestModels.masking(PruningTestModels.masking(base, at: 0, seed: 1), at: 2, seed: 2)
        let result = try checkEquivalence(model, layers: [0, 2], ratio: 0.5, scorer: magnitude)
        let (k0, k2) = (result.layers[0].kept, result.layers[1].kept)
        let original = model.layers[2] as! Conv2D, pruned = result.model.layers[2] as! Conv2D
        let mask = try XCTUnwrap(pruned.mask)
        for (a, f) in k2.enumerated() {
            for (b, c) in k0.enumerated() {
                for t in 0..<9 { XCTAssertEqual(mask[a, b * 9 + t], original.mask![f, c * 9 + t]) }
            }
        }
        XCTAssertEqual(result.costAfter.layers[2].parameters, pruned.connectionCount + 3)
        XCTAssertEqual(result.costAfter.layers[2].parameters, mask.elements.filter { $0 != 0 }.count + 3)
    }

    func testSparseLayersStaySparse() throws {
        let architecture = try Architecture.parse("8-12-10-3", inputShape: nil, sparseEpsilon: 2)
        let model = PruningTestModels.model(architecture, seed: 6)
        let result = try checkEquivalence(model, layers: [0, 2], ratio: 0.25, scorer: magnitude)
        let (k0, k2) = (result.layers[0].kept, result.layers[1].kept)
        let original = model.layers[2] as! SparseDense
        let pruned = try XCTUnwrap(result.model.layers[2] as? SparseDense)
        let expected = original.pattern().filter { k2.contains($0.output) && k0.contains($0.input) }
        XCTAssertEqual(pruned.connectionCount, expected.count)
        XCTAssertEqual(pruned.pattern().map { [$0.output, $0.input] },
                       expected.map { [k2.firstIndex(of: $0.output)!, k0.firstIndex(of: $0.input)!] })
        XCTAssertEqual(result.model.architecture.layers[2], .sparseDense(outputs: 8, epsilon: 2))
    }

    func testKeptIndicesFollowTheMagnitudeRanking() throws {
        // Row norms 5, 1, 1, 2, 0.5: ranking 0, 3, 1, 2, 4 (tie 1/2 by the lower index).
        let first = Dense(weight: Matrix([[3, 4], [0, 1], [1, 0], [0, -2], [0.5, 0]]), bias: [1, 2, 3, 4, 5])
        let head = Dense(weight: Matrix([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]), bias: [0, 0])
        let model = Network(architecture: Architecture(inputSize: 2, layers: [.dense(outputs: 5), .relu, .dense(outputs: 2)]),
                               layers: [first, ReLU(), head])
        let result = try NeuronPruning(scorer: magnitude, pruneRatio: 0.4).prune(model, layers: [0])
        let report = result.layers[0]
        XCTAssertEqual(report.kept, [0, 1, 3])
        XCTAssertEqual(report.name, "layers.0")
        XCTAssertEqual(report.scores, [5, 1, 1, 2, 0.5])
        XCTAssertEqual(report.diagnostics.nodes, 5)
        let d0 = result.model.layers[0] as! Dense, d2 = result.model.layers[2] as! Dense
        XCTAssertEqual(d0.weight, Matrix([[3, 4], [0, 1], [0, -2]]))
        XCTAssertEqual(d0.bias, [1, 2, 4])
        XCTAssertEqual(d2.weight, Matrix([[1, 2, 4], [6, 7, 9]]))
        XCTAssertEqual(d2.bias, [0, 0])
        XCTAssertEqual(result.costBefore.parameters, 15 + 12)
        XCTAssertEqual(result.costAfter.parameters, 9 + 8)
    }

    func testLayersAreScoredOnTheOriginalWeights() throws {
        let model = PruningTestModels.model(try Architecture.multilayerPerceptron("5-6-6-2"), seed: 7)
        let result = try NeuronPruning(scorer: magnitude, pruneRatio: 0.5).prune(model, layers: [0, 2])
        let original = (model.layers[2] as! Dense).weight
        XCTAssertEqual(result.layers[1].scores, try magnitude.scores(neurons: original).values)
    }

    func testEigenvectorScorerFromTheRegistry() throws {
        var options = ScorerOptions()
        options.tau = 0.1
        let scorer = try ScorerRegistry.standard.make("eigenvector", options: options)
        let model = PruningTestModels.model(try Architecture.multilayerPerceptron("6-10-3"), seed: 8)
        let result = try checkEquivalence(model, layers: [0], ratio: 0.4, scorer: scorer)
        let scores = NodeScores(values: result.layers[0].scores, diagnostics: result.layers[0].diagnostics)
        XCTAssertEqual(result.layers[0].kept, Array(scores.ranking().prefix(6)).sorted())
        XCTAssertNotNil(result.layers[0].diagnostics.components)
    }

    func testRefusals() throws {
        let model = PruningTestModels.model(try Architecture.multilayerPerceptron("4-3-2"), seed: 9)
        func error(_ pruning: NeuronPruning, _ layers: [Int]) -> NeuronPruningError? {
            do { _ = try pruning.prune(model, layers: layers); return nil } catch { return error as? NeuronPruningError }
        }
        let plain = NeuronPruning(scorer: magnitude, pruneRatio: 0.5)
        XCTAssertEqual(error(plain, [2]), .outputLayer(position: 2, name: "layers.2"))
        XCTAssertTrue(error(plain, [2])!.description.contains("layers.2"))
        XCTAssertEqual(error(plain, [1]), .notPrunable(position: 1, kind: "ReLU", name: "layers.1"))
        XCTAssertEqual(error(plain, [0, 0]), .invalidOption("layers.0 is listed twice"))
        XCTAssertNotNil(error(plain, [7]))
        XCTAssertNotNil(error(plain, []))
        XCTAssertNotNil(error(NeuronPruning(scorer: magnitude, pruneRatio: 1), [0]))
        XCTAssertNotNil(error(NeuronPruning(scorer: magnitude, pruneRatio: 0.2, minimumWidth: 0), [0]))
        // 3 neurons, p = 0.7: ⌊2.1⌋ = 2 pruned leaves 1 < 2.
        let collapse = error(NeuronPruning(scorer: magnitude, pruneRatio: 0.7, minimumWidth: 2), [0])
        XCTAssertEqual(collapse, .collapse(position: 0, units: 3, pruned: 2, minimumWidth: 2, name: "layers.0"))
        XCTAssertEqual(collapse?.description, "layers.0: pruning 2 of 3 neurons leaves 1, fewer than the minimum width 2")
        XCTAssertNil(error(NeuronPruning(scorer: magnitude, pruneRatio: 0.7, minimumWidth: 1), [0]))
        // A convolution after a Dense layer would mix its units.
        let mixed = Network(
            architecture: Architecture(inputShape: [1, 1, 4], layers: [.dense(outputs: 6), .relu, .conv2d(filters: 2, kernel: 1, same: true), .relu, .dense(outputs: 3)]),
            initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try plain.prune(mixed, layers: [0])) { e in
            XCTAssertEqual(e as? NeuronPruningError, .unsupportedGroup(
                position: 0, name: "layers.0", reason: "layers.2 reads 1 channels of shape [1, 1, 6], not the 6 units of layers.0"))
        }
    }

    func testPrunedModelCheckpointRoundTrip() throws {
        let architecture = try Architecture.parse("c4-p-6-3", inputShape: [1, 6, 6], activation: .srelu)
        let model = PruningTestModels.model(architecture, seed: 10)
        let result = try checkEquivalence(model, layers: [0, 3], ratio: 0.5, scorer: magnitude)
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("pruned.safetensors")
        try ModelCheckpoint.save(result.model, to: url)
        let (loaded, _) = try ModelCheckpoint.load(url)
        XCTAssertEqual(loaded.architecture, result.model.architecture)
        XCTAssertEqual(loaded.parameterCount, result.model.parameterCount)
        let x = PruningTestModels.inputs(5, 36, seed: 3)
        XCTAssertEqual(loaded.logits(x), result.model.logits(x))
    }

    func testPruneCountRuleMatchesKeptMask() {
        for n in 1...40 {
            for step in 0..<100 {
                let ratio = Double(step) / 100
                let mask = NodeScores(values: (0..<n).map(Double.init), diagnostics: ScoreDiagnostics(nodes: n)).keptMask(pruneRatio: ratio)
                XCTAssertEqual(mask.filter { !$0 }.count, NeuronPruning.prunedCount(ratio: ratio, units: n))
            }
        }
    }
}

/// Global structured ranking (`NeuronScope.global`) against a brute-force sort.
final class GlobalChannelRankingTests: XCTestCase {
    func testGlobalRankingRemovesTheLowestNormalisedScoresOverAllLayers() throws {
        let scores = [
            NodeScores(values: [4, 1, 3, 2], diagnostics: ScoreDiagnostics(nodes: 4)),
            NodeScores(values: [10, 50, 30, 20, 40, 60], diagnostics: ScoreDiagnostics(nodes: 6)),
        ]
        for normalization in ScoreNormalization.allCases {
            let kept = try GlobalChannelRanking.kept(scores: scores, names: ["a", "b"], ratio: 0.5, minimumWidth: 1, normalization: normalization)
            // Brute force: normalise, sort all ten, remove the ⌊0.5 · 10⌋ = 5 lowest.
            let norms = scores.map { s -> Double in
                switch normalization {
                case .mean: return s.values.reduce(0, +) / Double(s.values.count)
                case .max: return s.values.max()!
                case .l2: return s.values.map { $0 * $0 }.reduce(0, +).squareRoot()
                }
            }
            var all = [(Double, Int, Int)]()
            for (g, s) in scores.enumerated() { for (c, v) in s.values.enumerated() { all.append((v / norms[g], g, c)) } }
            all.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            let removed = Set(all.prefix(5).map { [$0.1, $0.2] })
            let expected = scores.indices.map { g in scores[g].values.indices.filter { !removed.contains([g, $0]) } }
            XCTAssertEqual(kept, expected, "\(normalization)")
        }
        // The minimum width protects the small layer: at 90 % with width 2, layer a keeps 2.
        let protected = try GlobalChannelRanking.kept(scores: scores, names: ["a", "b"], ratio: 0.9, minimumWidth: 2, normalization: .max)
        XCTAssertEqual(protected.map(\.count), [2, 2])
        XCTAssertThrowsError(try GlobalChannelRanking.kept(
            scores: [NodeScores(values: [0, 0], diagnostics: ScoreDiagnostics(nodes: 2))], names: ["z"], ratio: 0.5, minimumWidth: 1, normalization: .mean))
    }

    func testGlobalScopeKeepsTheBruteForceRankingsChannels() throws {
        let model = PruningTestModels.model(try Architecture.multilayerPerceptron("12-10-8-3"), seed: 4)
        var pruning = NeuronPruning(scorer: MagnitudeScorer(), pruneRatio: 0.5)
        pruning.scope = .global
        let result = try pruning.prune(model, layers: [0, 2])
        XCTAssertEqual(result.layers.map(\.unitsAfter).reduce(0, +), 18 - 9, "⌊0.5 · 18⌋ removed over both layers")
        // Brute force: the rows' L2 norms of both layers, each divided by its layer's mean,
        // sorted together; the 9 lowest go.
        var all = [(Double, Int, Int)]()
        for (g, position) in [0, 2].enumerated() {
            let norms = model.layers[position].connections!.weight.rowNorms().map(Double.init)
            let mean = norms.reduce(0, +) / Double(norms.count)
            for (c, v) in norms.enumerated() { all.append((v / mean, g, c)) }
        }
        all.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        let removed = Set(all.prefix(9).map { [$0.1, $0.2] })
        XCTAssertEqual(result.layers.map(\.kept), [10, 8].enumerated().map { g, n in (0..<n).filter { !removed.contains([g, $0]) } })
        XCTAssertNotEqual(result.layers[0].unitsAfter, 5, "the layers lose different shares")
    }
}
