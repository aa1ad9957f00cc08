import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning
@testable import GraphPruneCLI

final class EdgePruningTests: XCTestCase {
    private func mlp(seed: UInt64) throws -> Network {
        Network(architecture: try Architecture.multilayerPerceptron("20-16-12-5"), initializer: .glorotUniform, seed: seed)
    }

    private func cnn(seed: UInt64) throws -> Network {
        Network(architecture: try Architecture.parse("c4-p-6-3", inputShape: [2, 6, 6]), initializer: .kaimingNormal, seed: seed)
    }

    private func target(_ q: Double, _ m: Int) -> Int { Int((q * Double(m)).rounded()) }

    func testExactDensityForEveryMethod() throws {
        let model = try mlp(seed: 1)
        for method in EdgePruning.Method.allCases {
            for q in [0.07, 0.37, 1.0] {
                let result = try EdgePruning(method: method, density: q, rewind: false, seed: 2).prune(model)
                XCTAssertEqual(result.layers.map(\.position), [0, 2, 4])
                XCTAssertEqual(result.layers.map(\.candidates), [320, 192, 60])
                if method == .global || method == .globalSpectral {
                    XCTAssertEqual(result.kept, target(q, 572), "\(method) q=\(q)")
                } else {
                    XCTAssertEqual(result.layers.map(\.kept), [320, 192, 60].map { target(q, $0) }, "\(method) q=\(q)")
                }
                for report in result.layers {
                    let layer = try XCTUnwrap(result.model.layers[report.position] as? SparseDense)
                    XCTAssertEqual(layer.connectionCount, report.kept)
                    XCTAssertEqual(report.mask.elements.filter { $0 != 0 }.count, report.kept)
                    guard case .sparseDense(_, let epsilon) = result.model.architecture.layers[report.position] else {
                        return XCTFail("layer \(report.position) spec is not sparse")
                    }
                    XCTAssertEqual(epsilon, Double(max(report.kept, 1)) / Double(layer.inputs + layer.outputs), accuracy: 1e-15)
                }
                XCTAssertEqual(result.parameterCount, result.kept + 16 + 12 + 5)
                XCTAssertEqual(result.parameterCountBefore, 572 + 33)
            }
        }
    }

    /// RigL's per-layer densities on a hand example: Dense 100×50 and 10×100, a 3×3
    /// convolution of 8 filters on 4 channels (288 weights).
    func testDensityDistributionsFollowRigLsFormula() throws {
        let shapes = [[100, 50], [10, 100], [8, 4, 3, 3]], counts = [5000, 1000, 288]
        // ERK at 0.2: raw ratios 150/5000, 110/1000, 18/288; ε = 0.2 · 6288 / (150 + 110 + 18).
        let epsilon = 0.2 * 6288 / 278
        let erk = try DensityDistribution.erk.densities(shapes: shapes, counts: counts, density: 0.2)
        XCTAssertClose(erk, [0.03 * epsilon, 0.11 * epsilon, 0.0625 * epsilon], tolerance: 1e-12)
        let kept: Double = zip(erk, counts).map { density, count in density * Double(count) }.reduce(0, +)
        XCTAssertEqual(kept, 0.2 * 6288, accuracy: 1e-9)
        // ER at 0.5: the convolution ((8 + 4)/32 = 0.375) and then the 10 × 100 layer would
        // exceed 1 and become dense; the first layer takes the rest: (3144 − 1288) / 5000.
        let er = try DensityDistribution.er.densities(shapes: shapes, counts: counts, density: 0.5)
        XCTAssertClose(er, [1856.0 / 5000, 1, 1], tolerance: 1e-12)
        XCTAssertEqual(try DensityDistribution.uniform.densities(shapes: shapes, counts: counts, density: 0.3), [0.3, 0.3, 0.3])
        XCTAssertThrowsError(try DensityDistribution.erk.densities(shapes: [[3]], counts: [3], density: 0.5))
    }

    func testLayerwisePruningFollowsTheDensityDistribution() throws {
        let model = try mlp(seed: 1)
        let densities = try DensityDistribution.erk.densities(shapes: [[16, 20], [12, 16], [5, 12]], counts: [320, 192, 60], density: 0.3)
        for method in [EdgePruning.Method.spectral, .greedy, .random] {
            var pruning = EdgePruning(method: method, density: 0.3, rewind: false, seed: 2)
            pruning.densityDistribution = .erk
            let result = try pruning.prune(model)
            let expected: [Int] = zip(densities, [320, 192, 60]).map { density, count in Int((density * Double(count)).rounded()) }
            XCTAssertEqual(result.layers.map(\.kept), expected, "\(method)")
        }
        var global = EdgePruning(method: .global, density: 0.3, rewind: false, seed: 2)
        global.densityDistribution = .er
        XCTAssertThrowsError(try global.prune(model)) { XCTAssertTrue("\($0)".contains("density-distribution er"), "\($0)") }
    }

    func testGreedyAndGlobalKeepTheLargestMagnitudes() throws {
        let model = try mlp(seed: 3)
        let weights = [0, 2, 4].map { EdgeLayers.weight(of: model.layers[$0])! }
        let greedy = try EdgePruning(method: .greedy, density: 0.3, rewind: false).prune(model)
        for (report, w) in zip(greedy.layers, weights) {
            let kept = w.elements.indices.filter { report.mask.elements[$0] != 0 }.map { abs(w.elements[$0]) }
            let pruned = w.elements.indices.filter { report.mask.elements[$0] == 0 }.map { abs(w.elements[$0]) }
            XCTAssertGreaterThanOrEqual(kept.min()!, pruned.max()!)
        }
        // Global: one threshold over all layers (brute force: the 30 % largest |w| of the network).
        let global = try EdgePruning(method: .global, density: 0.3, rewind: false).prune(model)
        let all = weights.flatMap { $0.elements.map { abs($0) } }.sorted(by: >)
        let threshold = all[target(0.3, all.count) - 1]
        for (report, w) in zip(global.layers, weights) {
            for e in w.elements.indices {
                XCTAssertEqual(report.mask.elements[e] != 0, abs(w.elements[e]) >= threshold, "layer \(report.position) entry \(e)")
            }
        }
        XCTAssertNotEqual(global.layers.map(\.kept), greedy.layers.map(\.kept))
    }

    func testRewindAppliesTheMaskToTheInitialWeights() throws {
        let initial = try cnn(seed: 4), trained = try cnn(seed: 5)
        for rewind in [true, false] {
            let result = try EdgePruning(method: .spectral, density: 0.4, rewind: rewind, seed: 1).prune(trained, initial: initial)
            let source = rewind ? initial : trained
            for report in result.layers {
                let expected = EdgeLayers.weight(of: source.layers[report.position])!
                let actual = EdgeLayers.weight(of: result.model.layers[report.position])!
                for e in expected.elements.indices {
                    XCTAssertEqual(actual.elements[e], report.mask.elements[e] != 0 ? expected.elements[e] : 0)
                }
            }
            let conv = try XCTUnwrap(result.model.layers[0] as? Conv2D)
            XCTAssertEqual(conv.bias, (source.layers[0] as! Conv2D).bias)
            XCTAssertEqual(conv.mask?.converted(to: Double.self), result.layers[0].mask)
            XCTAssertEqual(conv.connectionCount, target(0.4, 4 * 18))
        }
        XCTAssertThrowsError(try EdgePruning(method: .greedy, density: 0.4, rewind: true).prune(trained)) {
            XCTAssertTrue("\($0)".contains("rewind"), "\($0)")
        }
        XCTAssertThrowsError(try EdgePruning(method: .greedy, density: 0.4, rewind: true).prune(trained, initial: try mlp(seed: 1)))
    }

    func testConvMaskKeepsPrunedWeightsAtZeroDuringTraining() throws {
        var model = try EdgePruning(method: .random, density: 0.3, rewind: false, seed: 6).prune(try cnn(seed: 7)).model
        let before = (model.layers[0] as! Conv2D).weight
        let mask = try XCTUnwrap((model.layers[0] as! Conv2D).mask)
        let data = NetworkTestSupport.matrix(8, 72, seed: 8)
        var sgd = SGD(momentum: 0.9, weightDecay: 0.1)
        var generator = SplitMix64(seed: 0)
        for step in 0..<5 {
            _ = model.trainStep(
                batch: 8, fill: { x, y in x = data; y = (0..<8).map { Int32(($0 + step) % 3) } },
                optimizer: &sgd, learningRate: 0.1, generator: &generator)
        }
        let conv = model.layers[0] as! Conv2D
        for e in mask.elements.indices {
            if mask.elements[e] == 0 {
                XCTAssertEqual(conv.weight.elements[e], 0)
                XCTAssertEqual(conv.weightGradient.elements[e], 0)
            }
        }
        XCTAssertNotEqual(conv.weight, before, "the kept weights train")
        XCTAssertEqual(conv.connectionCount, target(0.3, 72))
        // Writing the weights directly also respects the mask.
        var copy = conv
        copy.weight = Matrix(rows: 4, columns: 18, repeating: 1)
        XCTAssertEqual(copy.weight.elements, mask.elements)
    }

    func testCheckpointRoundTripOfPrunedModels() throws {
        let directory = try TemporaryDirectory()
        for (name, model) in [("cnn", try cnn(seed: 9)), ("mlp", try mlp(seed: 9))] {
            let pruned = try EdgePruning(method: .greedy, density: 0.25, rewind: false).prune(model).model
            let url = directory.url.appendingPathComponent("\(name).safetensors")
            try ModelCheckpoint.save(pruned, to: url)
            let loaded = try ModelCheckpoint.load(url).model
            XCTAssertEqual(loaded.architecture, pruned.architecture, name)
            for (a, b) in zip(loaded.layers, pruned.layers) {
                XCTAssertEqual(EdgeLayers.weight(of: a), EdgeLayers.weight(of: b), name)
                XCTAssertEqual(EdgeLayers.connections(of: a), EdgeLayers.connections(of: b), name)
            }
            XCTAssertEqual(ModelCost(loaded).parameters, ModelCost(pruned).parameters)
            let x = NetworkTestSupport.matrix(3, pruned.architecture.sizes[0], seed: 10)
            XCTAssertEqual(loaded.outputs(x), pruned.outputs(x), name)
        }
        let loadedCNN = try ModelCheckpoint.load(directory.url.appendingPathComponent("cnn.safetensors")).model
        XCTAssertNotNil((loadedCNN.layers[0] as? Conv2D)?.mask)
    }

    func testReportsCarryConnectivityAndCollapse() throws {
        let result = try EdgePruning(method: .spectral, density: 0.2, rewind: false, seed: 3).prune(try cnn(seed: 11))
        for report in result.layers {
            XCTAssertEqual(report.before.components, 1)
            XCTAssertGreaterThan(report.lambda2Before, 0)
            XCTAssertLessThanOrEqual(report.lambda2Before, 2)
            XCTAssertGreaterThanOrEqual(report.lambda2After, 0)
            XCTAssertTrue(report.epsilon != nil || report.toppedUp == report.kept)
            XCTAssertEqual(report.density, Double(report.kept) / Double(report.candidates), accuracy: 1e-15)
        }
        // A hand-checkable collapse: the random control at q = 0.25 on a 2 → 2 layer keeps one
        // edge, so one output and one input lose every connection.
        let tiny = ModelEdgeScoreTests.tinyNet()
        let r = try EdgePruning(method: .random, density: 0.25, layers: [2], rewind: false, seed: 1).prune(tiny).layers[0]
        XCTAssertEqual(r.kept, 1)
        XCTAssertEqual(r.collapsedNeurons, 2)
        XCTAssertEqual(r.after.lambda2, 2)  // one edge, K₂
        XCTAssertEqual(r.before.components, 1)
    }

    func testLayerSelectionAndOptions() throws {
        let model = try mlp(seed: 12)
        let kept = try EdgePruning(method: .greedy, density: 0.5, keepOutputDense: true, rewind: false).prune(model)
        XCTAssertEqual(kept.layers.map(\.position), [0, 2])
        XCTAssertTrue(kept.model.layers[4] is Dense)
        XCTAssertEqual((kept.model.layers[4] as! Dense).weight, (model.layers[4] as! Dense).weight)
        XCTAssertThrowsError(try EdgePruning(method: .greedy, density: 0.5, layers: [1], rewind: false).prune(model)) {
            XCTAssertTrue("\($0)".contains("layers"), "\($0)")
        }
        for q in [0.0, 1.5, .nan] {
            XCTAssertThrowsError(try EdgePruning(method: .greedy, density: q, rewind: false).prune(model)) {
                XCTAssertTrue("\($0)".contains("density"), "\($0)")
            }
        }
        XCTAssertThrowsError(try EdgePruning(method: .greedy, density: 0.5, scorer: "snip", rewind: false).prune(model))
    }

    func testSameSeedGivesTheSameMask() throws {
        let model = try cnn(seed: 13)
        for method in [EdgePruning.Method.spectral, .random] {
            let masks = { (seed: UInt64) in
                try EdgePruning(method: method, density: 0.3, rewind: false, seed: seed).prune(model).layers.map(\.mask)
            }
            XCTAssertEqual(try masks(1), try masks(1), "\(method)")
            XCTAssertNotEqual(try masks(1), try masks(2), "\(method)")
        }
    }

    func testDataDependentAndDataFreeScoresPrune() throws {
        let data = SyntheticClassification.make(classes: 5, features: 20, trainCount: 60, testCount: 10, seed: 14)
        let model = try mlp(seed: 15)
        var options = EdgeScorerOptions()
        options.synflowIterations = 10
        options.snipBatchSize = 20
        options.snipBatches = 2
        for scorer in ["snip", "synflow"] {
            for method in [EdgePruning.Method.global, .spectral] {
                let pruning = try EdgePruning(method: method, density: 0.1, scorer: scorer, options: options, rewind: true, seed: 16)
                let result = try pruning.prune(model, initial: try mlp(seed: 17), data: data.train)
                XCTAssertEqual(result.kept, method == .global ? target(0.1, 572) : [320, 192, 60].map { target(0.1, $0) }.reduce(0, +), scorer)
                XCTAssertEqual(try pruning.prune(model, initial: try mlp(seed: 17), data: data.train).layers.map(\.mask), result.layers.map(\.mask))
            }
        }
        // SynFlow with global selection and q = 0.1 never empties a layer (it conserves flow).
        options.synflowIterations = 20
        let synflow = try EdgePruning(method: .global, density: 0.02, scorer: "synflow", options: options, rewind: false).prune(model)
        XCTAssertTrue(synflow.layers.allSatisfy { $0.kept > 0 }, "\(synflow.layers.map(\.kept))")
    }
}
