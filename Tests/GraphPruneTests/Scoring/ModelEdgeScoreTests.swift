import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

final class ModelEdgeScoreTests: XCTestCase {
    /// Dense 3→2, ReLU, Dense 2→2 with signed weights (out × in) and nonzero biases.
    static func tinyNet(bias: Bool = true) -> Network {
        let w1 = Matrix<Float>([[1, -2, 0.5], [0.25, 1, -1]]), w2 = Matrix<Float>([[2, -1], [0.5, 3]])
        let architecture = Architecture(inputSize: 3, layers: [.dense(outputs: 2), .relu, .dense(outputs: 2)])
        return Network(architecture: architecture, layers: [
            Dense(weight: w1, bias: bias ? [0.3, -0.2] : [0, 0]), ReLU(), Dense(weight: w2, bias: bias ? [0.1, -0.4] : [0, 0]),
        ])
    }

    private func synflow(_ model: Network, iterations: Int, density: Double = 0.5, absoluteBiases: Bool = false) throws -> [Matrix<Double>] {
        try SynFlowEdgeScorer(iterations: iterations, absoluteBiases: absoluteBiases)
            .scores(EdgeScoringContext(model: model, positions: [0, 2], density: density))
    }

    func testSynFlowMatchesHandDerivedScores() throws {
        // r = |W1| 1 = (3.5, 2.25), c = 1ᵀ|W2| = (2.5, 4): score(W2_kj) = |W2_kj| r_j, score(W1_ji) = |W1_ji| c_j.
        let s = try synflow(Self.tinyNet(), iterations: 1)
        XCTAssertClose(s[0].elements, [2.5, 5, 1.25, 1, 4, 4], tolerance: 1e-12)
        XCTAssertClose(s[1].elements, [7, 2.25, 1.75, 6.75], tolerance: 1e-12)
        // Synaptic flow is conserved: every layer's scores sum to R = 17.75.
        XCTAssertEqual(s[0].elements.reduce(0, +), 17.75, accuracy: 1e-12)
        XCTAssertEqual(s[1].elements.reduce(0, +), 17.75, accuracy: 1e-12)
        // With |b| (the reference code): h = r + |b1| = (3.8, 2.45); layer 1 unchanged (c does not see b).
        let b = try synflow(Self.tinyNet(), iterations: 1, absoluteBiases: true)
        XCTAssertClose(b[1].elements, [7.6, 2.45, 1.9, 7.35], tolerance: 1e-6)  // b is Float
        XCTAssertClose(b[0].elements, s[0].elements, tolerance: 1e-12)
    }

    func testSynFlowIterationsRescoreTheMaskedNetwork() throws {
        // q = 0.25, 2 rounds: round 1 keeps round(√0.25 · 10) = 5 of the single-shot scores
        // {7, 6.75, 5, 4, 4} — W1 (0,1), (1,1), (1,2) and W2 (0,0), (1,1) —, then rescores:
        // r = (2, 2), c = (2, 3) on the masked network.
        let s = try synflow(Self.tinyNet(), iterations: 2, density: 0.25)
        XCTAssertClose(s[0].elements, [0, 4, 0, 0, 3, 3], tolerance: 1e-12)
        XCTAssertClose(s[1].elements, [4, 0, 0, 6], tolerance: 1e-12)
        // The density only matters with more than one round.
        XCTAssertEqual(try synflow(Self.tinyNet(), iterations: 1, density: 0.1), try synflow(Self.tinyNet(), iterations: 1, density: 0.9))
    }

    func testSynFlowOfAConvolutionMatchesFiniteDifferences() throws {
        // R is linear in each single |w| (every path holds it once), so a difference quotient of
        // the engine's own forward pass on |W| is exact up to rounding.
        let architecture = try Architecture.parse("c3-gap-4", inputShape: [2, 4, 5])
        let model = Network(architecture: architecture, initializer: .glorotUniform, seed: 3)
        let s = try SynFlowEdgeScorer(iterations: 1).scores(EdgeScoringContext(model: model, positions: [0, 3]))
        func r(_ convWeight: [Float]) -> Double {
            let conv = model.layers[0] as! Conv2D, dense = model.layers[3] as! Dense
            let layers: [any Layer] = [
                Conv2D(input: conv.input, kernel: (3, 3), weight: Matrix(rows: 3, columns: 18, elements: convWeight),
                       bias: [0, 0, 0], padding: .same),
                ReLU(), GlobalAveragePooling(input: conv.output),
                Dense(weight: Matrix(rows: 4, columns: 3, elements: dense.weight.elements.map { abs($0) }), bias: [0, 0, 0, 0]),
            ]
            let ones = Matrix<Float>(rows: 1, columns: 40, repeating: 1)
            return Network(architecture: architecture, layers: layers).outputs(ones).elements.reduce(0) { $0 + Double($1) }
        }
        let w = (model.layers[0] as! Conv2D).weight.elements.map { abs($0) }
        for k in w.indices {
            var plus = w, minus = w
            plus[k] += 0.5
            minus[k] -= 0.5
            let expected = Double(w[k]) * (r(plus) - r(minus))
            XCTAssertEqual(s[0].elements[k], expected, accuracy: 1e-4 * max(1, expected), "tap \(k)")
        }
        XCTAssertEqual(s[0].elements.reduce(0, +), s[1].elements.reduce(0, +), accuracy: 1e-9)  // conservation
    }

    /// SynFlow on a residual network with BatchNorm: `R` equals the network engine's output sum
    /// on the linearised weights (|W|, biases 0, BatchNorm as `|γ|/√(σ² + ε)` per channel), and
    /// each score is `|w| · ∂R/∂|w|`, checked by difference quotients of that engine (R is linear
    /// in every single |w|: a path holds it at most once, residual paths included).
    func testSynFlowFollowsResidualGraphs() throws {
        let model = try NetworkGraphTests.residualModel()
        let positions = EdgeLayers.positions(in: model)
        let network = SynFlowNetwork(model: model, masks: [:], absoluteBiases: false)
        let (r, _) = try network.pathGradients()
        XCTAssertEqual(r, Self.linearisedR(model), accuracy: 1e-4 * r)
        let scores = try SynFlowEdgeScorer(iterations: 1).scores(EdgeScoringContext(model: model, positions: positions))
        // The shortcut's convolution and the second block's first convolution.
        let checked = ["layer1.0.shortcut.0", "layer1.1.conv1"].map { model.architecture.names.firstIndex(of: $0)! }
        for (k, position) in positions.enumerated() where checked.contains(position) {
            let w = model.layers[position].connections!.weight.elements.map { abs($0) }
            for e in stride(from: 0, to: w.count, by: 7) {
                func quotient(_ delta: Float) -> Double {
                    Self.linearisedR(model) { layers in NetworkTestSupport.editWeights(&layers[position]) { $0[e] += delta } }
                }
                let expected = Double(w[e]) * (quotient(0.5) - quotient(-0.5))
                XCTAssertEqual(scores[k].elements[e], expected, accuracy: 1e-3 * max(1, abs(expected)), "\(model.architecture.names[position]) entry \(e)")
            }
        }
    }

    /// The engine's `Σ f(1)` on the linearised copy of `model` (|W|, biases 0, BatchNorm as
    /// `|γ|/√(σ² + ε)`), with `edit` applied to its layers: the `R` SynFlow computes.
    static func linearisedR(_ model: Network, _ edit: (inout [any Layer]) -> Void = { _ in }) -> Double {
        var layers = model.layers
        for i in layers.indices {
            if var norm = layers[i] as? BatchNorm {
                norm.scale = (0..<norm.channels).map { abs(norm.scale[$0]) / (norm.runningVariance[$0] + norm.epsilon).squareRoot() }
                norm.shift = [Float](repeating: 0, count: norm.channels)
                norm.runningMean = [Float](repeating: 0, count: norm.channels)
                norm.runningVariance = [Float](repeating: 1 - norm.epsilon, count: norm.channels)
                layers[i] = norm
            } else if layers[i].connections != nil {
                // |W|, and every other parameter (the bias) 0.
                var first = true
                layers[i].visitParameters { values, _ in
                    values = first ? values.map { abs($0) } : [Float](repeating: 0, count: values.count)
                    first = false
                }
            }
        }
        edit(&layers)
        let ones = Matrix<Float>(rows: 1, columns: model.architecture.inputSize, repeating: 1)
        return Network(architecture: model.architecture, layers: layers).outputs(ones).elements.reduce(0) { $0 + Double($1) }
    }

    /// SynFlow through grouped and depthwise convolutions: `R` equals the engine's output sum
    /// on the linearised network.
    func testSynFlowThroughGroupedConvolutions() throws {
        var graph = GraphBuilder(inputShape: [4, 5, 5])
        var x = try graph.add("grouped", .convolution(.init(filters: 6, kernel: 3, padding: 1, groups: 2)), from: [0])
        x = try graph.add("depthwise", .convolution(.init(filters: 6, kernel: 3, stride: 2, padding: 1, groups: 6, bias: false)), from: [x])
        x = try graph.add("pool", .globalAveragePooling, from: [x])
        try graph.add("fc", .dense(outputs: 3), from: [x])
        let architecture = Architecture(inputShape: [4, 5, 5], layers: graph.layers, inputs: graph.inputs, names: graph.names)
        let model = Network(architecture: architecture, initializer: .kaimingNormal, seed: 2)
        let r = try SynFlowNetwork(model: model, masks: [:], absoluteBiases: false).pathGradients().r
        XCTAssertEqual(r, Self.linearisedR(model), accuracy: 1e-4 * r)
    }

    func testSNIPMatchesFiniteDifferencesOfTheLoss() throws {
        let model = Self.tinyNet()
        let x: [[Double]] = [[0.5, -1, 2], [1, 0.2, -0.3], [-0.7, 0.9, 0.4], [0.3, 0.3, 1.1]]
        let y: [Int32] = [0, 1, 1, 0]
        let data = LabeledData(
            features: Matrix(x.map { $0.map { Float($0) } }), labels: y, shape: .vector(3), classCount: 2)
        // Two batches of two cover all four samples: g = Σ_b ∂(mean loss of b)/∂W = ½ Σ_i ∂ℓ_i/∂W.
        let s = try SNIPEdgeScorer(batches: 2, batchSize: 2)
            .scores(EdgeScoringContext(model: model, positions: [0, 2], data: data, seed: 9))
        var w1: [Double] = [1, -2, 0.5, 0.25, 1, -1], w2: [Double] = [2, -1, 0.5, 3]
        func loss() -> Double {
            var total = 0.0
            for (sample, label) in zip(x, y) {
                let h = (0..<2).map { j in max(0, (0..<3).reduce([0.3, -0.2][j]) { $0 + w1[j * 3 + $1] * sample[$1] }) }
                let z = (0..<2).map { k in (0..<2).reduce([0.1, -0.4][k]) { $0 + w2[k * 2 + $1] * h[$1] } }
                let lse = log(exp(z[0]) + exp(z[1]))
                total += lse - z[Int(label)]
            }
            return total / 2
        }
        func score(first: Bool, _ k: Int) -> Double {
            let original = first ? w1[k] : w2[k]
            func set(_ v: Double) { if first { w1[k] = v } else { w2[k] = v } }
            set(original + 1e-6); let plus = loss()
            set(original - 1e-6); let minus = loss()
            set(original)
            return abs((plus - minus) / 2e-6 * original)
        }
        let expected1 = (0..<6).map { score(first: true, $0) }, expected2 = (0..<4).map { score(first: false, $0) }
        XCTAssertClose(s[0].elements, expected1, tolerance: 1e-5)
        XCTAssertClose(s[1].elements, expected2, tolerance: 1e-5)
        XCTAssertGreaterThan(expected1.reduce(0, +), 0.01)

        let context = EdgeScoringContext(model: model, positions: [0, 2], data: data)
        XCTAssertThrowsError(try SNIPEdgeScorer(batches: 3, batchSize: 2).scores(context)) { error in
            XCTAssertTrue("\(error)".contains("3 batches of 2 samples: the training data has only 4 samples"), "\(error)")
        }
        XCTAssertThrowsError(try SNIPEdgeScorer().scores(EdgeScoringContext(model: model, positions: [0, 2])))
    }

    func testRegistryMakesEveryScorerByName() throws {
        let registry = ModelEdgeScorerRegistry.standard
        XCTAssertEqual(registry.names, ["magnitude", "lamp", "snip", "grasp", "synflow"])
        XCTAssertEqual(EdgeScorerRegistry.standard.names, ["magnitude", "lamp"])
        XCTAssertFalse(registry.needsModel("lamp"))
        XCTAssertTrue(registry.needsModel("snip"))
        XCTAssertFalse(registry.needsModel("magnitude"))
        var options = EdgeScorerOptions()
        options.synflowIterations = 7
        XCTAssertEqual((try registry.make("synflow", options: options) as? SynFlowEdgeScorer)?.iterations, 7)
        XCTAssertEqual(try registry.make("snip").name, "snip")
        XCTAssertThrowsError(try EdgeScorerRegistry.standard.make("synflow"))
        XCTAssertThrowsError(try registry.make("nope"))
        options.snipBatches = 0
        XCTAssertThrowsError(try registry.make("snip", options: options)) { XCTAssertEqual("\($0)", "snipBatches 0 must be positive") }
        // Magnitude through the model: |w|, zero off a sparse layer's pattern.
        let sparse = SparseDense(inputs: 3, outputs: 2, connections: [(0, 1), (1, 2)], values: [-4, 0.5])
        let model = Network(architecture: Architecture(inputSize: 3, layers: [.sparseDense(outputs: 2, epsilon: 1)]), layers: [sparse])
        let m = try registry.make("magnitude").scores(EdgeScoringContext(model: model, positions: [0]))
        XCTAssertEqual(m[0].elements, [0, 4, 0, 0, 0, 0.5])
        XCTAssertThrowsError(try registry.make("magnitude").scores(EdgeScoringContext(model: Self.tinyNet(), positions: [1])))
    }
}
