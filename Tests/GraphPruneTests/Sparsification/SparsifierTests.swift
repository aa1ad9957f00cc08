import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO

final class SparsifierTests: XCTestCase {
    private func layer(_ r: Int, _ c: Int, seed: UInt64, zeros: Double = 0) -> Matrix<Double> {
        // Signed weights: the magnitude score takes |w|.
        var g = SplitMix64(seed: seed &+ 100)
        var m = EffectiveResistanceTests.layer(r, c, seed: seed, zeros: zeros)
        for k in m.elements.indices where g.nextUnitDouble() < 0.5 { m.elements[k] = -m.elements[k] }
        return m
    }

    func testExactDensityPerLayerAndGlobally() throws {
        let layers = [layer(20, 30, seed: 1), layer(10, 20, seed: 2, zeros: 0.3), layer(4, 10, seed: 3)]
        let candidates = layers.map { $0.elements.filter { $0 != 0 }.count }
        for method in NetworkSparsifier.Method.allCases {
            for q in [0.05, 0.3, 0.77, 1.0] {
                let results = try NetworkSparsifier(method: method, density: q, seed: 4).sparsify(layers: layers)
                for (r, c) in zip(results, candidates) {
                    XCTAssertEqual(r.kept, Int((q * Double(c)).rounded()), "\(method) q=\(q)")
                    XCTAssertEqual(r.mask.elements.filter { $0 != 0 }.count, r.kept)
                    XCTAssertEqual(r.candidates, c)
                }
                for (r, w) in zip(results, layers) {
                    for k in w.elements.indices where w.elements[k] == 0 { XCTAssertEqual(r.mask.elements[k], 0) }
                }
                let global = try NetworkSparsifier(method: method, density: q, global: true, seed: 4).sparsify(layers: layers)
                XCTAssertEqual(global.reduce(0) { $0 + $1.kept }, Int((q * Double(candidates.reduce(0, +))).rounded()), "\(method) global q=\(q)")
            }
        }
    }

    func testSeedsAreReproducible() throws {
        let layers = [layer(16, 12, seed: 5)]
        let a = try NetworkSparsifier(method: .spectral, density: 0.2, seed: 1).sparsify(layers: layers)[0].mask
        XCTAssertEqual(a, try NetworkSparsifier(method: .spectral, density: 0.2, seed: 1).sparsify(layers: layers)[0].mask)
        XCTAssertNotEqual(a, try NetworkSparsifier(method: .spectral, density: 0.2, seed: 2).sparsify(layers: layers)[0].mask)
    }

    func testGreedyKeepsTheLargestMagnitudes() throws {
        let w = Matrix<Double>([[0.1, -5, 0], [2, 0.2, -3]])
        let r = try NetworkSparsifier(method: .greedy, density: 0.6, seed: 0).sparsify(layers: [w])[0]
        XCTAssertEqual(r.mask.elements, [0, 1, 0, 1, 0, 1])  // round(0.6 · 5) = 3: |−5|, |−3|, 2
        // Global magnitude: one threshold over both layers.
        let small = Matrix<Double>([[0.5, 0.4]]), large = Matrix<Double>([[9, 8], [7, 6]])
        let g = try NetworkSparsifier(method: .greedy, density: 0.5, global: true).sparsify(layers: [large, small])
        XCTAssertEqual(g.map(\.kept), [3, 0])
        XCTAssertEqual(g[1].collapsedNeurons, 3)
    }

    func testReweightedSamplerIsUnbiased() throws {
        // E[w_e · 1{kept} / p_e] = w_e: averaged over many seeds the sparsifier's Laplacian
        // approaches the original.
        let b = EffectiveResistanceTests.layer(6, 5, seed: 7)
        let r = try EffectiveResistance.bySchurComplement(biadjacency: b)
        let leverage = zip(b.elements, r.elements).map { $0 * $1 }
        var average = [Double](repeating: 0, count: leverage.count)
        let runs = 4000
        for seed in 0..<runs {
            let (kept, p) = SpectralSampler(seed: UInt64(seed)).sample(leverage: leverage, nodeCount: 11, epsilon: 0.1)
            for e in kept.indices where kept[e] { average[e] += b.elements[e] / p[e] / Double(runs) }
        }
        let p = SpectralSampler(seed: 0).probabilities(leverage, nodeCount: 11, epsilon: 0.1)
        XCTAssertTrue(p.contains { $0 < 0.9 }, "the test needs edges sampled with p < 1")
        for e in average.indices {
            // Standard error of the mean: w sqrt((1 − p)/(p · runs)); allow 5 of them.
            let tolerance = 5 * b.elements[e] * ((1 - p[e]) / (p[e] * Double(runs))).squareRoot() + 1e-12
            XCTAssertEqual(average[e], b.elements[e], accuracy: tolerance, "edge \(e)")
        }
    }

    func testExactCountSampleIsTheBernoulliSampleAtItsEpsilonAndNearlyUnbiased() throws {
        let b = EffectiveResistanceTests.layer(30, 20, seed: 21)
        let r = try EffectiveResistance.bySchurComplement(biadjacency: b)
        let leverage = zip(b.elements, r.elements).map { $0 * $1 }
        var ratioSum = 0.0, samples = 0
        for seed in 0..<300 {
            let sampler = SpectralSampler(seed: UInt64(seed))
            let s = sampler.sample(leverage: leverage, nodeCount: 50, count: 60)
            XCTAssertEqual(s.toppedUp, 0)
            XCTAssertEqual(sampler.sample(leverage: leverage, nodeCount: 50, epsilon: s.epsilon!).kept, s.kept, "seed \(seed)")
            for e in s.kept.indices where s.kept[e] { ratioSum += 1 / s.probabilities[e] }
            samples += 1
        }
        // Σ_e E[1{kept}/p_e] ≈ number of edges when the ε is chosen from the sample itself.
        XCTAssertEqual(ratioSum / Double(samples) / Double(leverage.count), 1, accuracy: 0.05)
    }

    func testSpectralSamplerPrefersHighLeverage() {
        // An exact-count sample keeps every edge whose p_e reached 1 before any random top-up.
        let leverage = [1.0, 1, 1, 0.001, 0.001, 0.001, 0.001, 0.001]
        let s = SpectralSampler(seed: 3).sample(leverage: leverage, nodeCount: 9, count: 3)
        XCTAssertEqual(s.kept.filter { $0 }.count, 3)
        XCTAssertEqual(s.sampled + s.toppedUp, 3)
        let zero = SpectralSampler(seed: 3).sample(leverage: [0, 0, 0], nodeCount: 4, count: 2)
        XCTAssertEqual(zero.sampled, 0)
        XCTAssertEqual(zero.toppedUp, 2)
        XCTAssertNil(zero.epsilon)
    }

    func testDeadNeuronsAndThinLayers() throws {
        var w = layer(12, 9, seed: 8)
        for i in 0..<9 { w[2, i] = 0 }
        for layers in [[w], [layer(1, 7, seed: 9)], [layer(7, 1, seed: 10)]] {
            let r = try NetworkSparsifier(method: .spectral, density: 0.5, seed: 1).sparsify(layers: layers)[0]
            XCTAssertEqual(r.kept, Int((0.5 * Double(r.candidates)).rounded()))
            XCTAssertGreaterThanOrEqual(r.before.lambda2, 0)
        }
    }

    func testQuadraticFormRange() throws {
        let g = EffectiveResistanceTests.layer(5, 4, seed: 12)
        // The BLAS form against Σ_edges w (x_u − x_v)².
        let a = TestData.matrix(4, 3, seed: 1), b = TestData.matrix(5, 3, seed: 2)
        let forms = QuadraticFormRange.forms(g, inputs: a, outputs: b)
        for v in 0..<3 {
            var q = 0.0
            for j in 0..<5 { for i in 0..<4 { q += g[j, i] * (a[i, v] - b[j, v]) * (a[i, v] - b[j, v]) } }
            XCTAssertEqual(forms[v], q, accuracy: 1e-12)
        }
        let same = QuadraticFormRange(original: g, sparsified: g)
        XCTAssertEqual(same.minimum, 1, accuracy: 1e-12); XCTAssertEqual(same.maximum, 1, accuracy: 1e-12)
        let half = QuadraticFormRange(original: g, sparsified: Matrix(rows: 5, columns: 4, elements: g.elements.map { $0 / 2 }))
        XCTAssertEqual(half.minimum, 0.5, accuracy: 1e-12)
        // One edge only: xᵀL_Hx / xᵀL_Gx against the definition for the same vectors is at most 1.
        var one = Matrix<Double>(rows: 5, columns: 4); one[2, 3] = g[2, 3]
        let r = QuadraticFormRange(original: g, sparsified: one, vectors: 8)
        XCTAssertTrue(r.minimum >= 0 && r.maximum <= 1 && r.minimum <= r.maximum)
        // A reweighted spectral sparsifier at high density preserves the form well.
        let dense = EffectiveResistanceTests.layer(40, 30, seed: 13)
        let s = try NetworkSparsifier(method: .spectral, density: 0.7, reweight: true, seed: 1).sparsify(layers: [dense])[0]
        XCTAssertGreaterThan(s.quadraticForm.minimum, 0.8)
        XCTAssertLessThan(s.quadraticForm.maximum, 1.2)
    }

    func testCandidateMasksAndConvolutionCollapse() throws {
        // A mask admits a zero-valued connection as a candidate; inputs grouped by channel.
        var w = Matrix<Double>(rows: 2, columns: 4, repeating: 1)
        w[0, 1] = 0
        var mask = Matrix<Double>(rows: 2, columns: 4, repeating: 1)
        mask[1, 3] = 0
        let r = try NetworkSparsifier(method: .greedy, density: 1).sparsify(layers: [w], candidateMasks: [mask])[0]
        XCTAssertEqual(r.candidates, 7)
        XCTAssertEqual(r.mask[0, 1], 1)
        XCTAssertEqual(r.mask[1, 3], 0)
        // Two input channels of two taps each: keeping only channel 0's taps collapses one
        // channel (not two tap-inputs) and no output.
        let conv = Matrix<Double>([[5, 5, 1, 1], [5, 5, 1, 1]])
        let c = try NetworkSparsifier(method: .greedy, density: 0.5).sparsify(layers: [conv], inputGroupSizes: [2])[0]
        XCTAssertEqual(c.collapsedNeurons, 1)
        let ungrouped = try NetworkSparsifier(method: .greedy, density: 0.5).sparsify(layers: [conv])[0]
        XCTAssertEqual(ungrouped.collapsedNeurons, 2)
    }

    func testReweightedMaskHoldsInverseProbabilities() throws {
        let w = layer(10, 8, seed: 11)
        let r = try NetworkSparsifier(method: .spectral, density: 0.4, reweight: true, seed: 2).sparsify(layers: [w])[0]
        XCTAssertTrue(r.mask.elements.allSatisfy { $0 == 0 || $0 >= 1 })
        XCTAssertEqual(r.mask.elements.filter { $0 != 0 }.count, 32)
    }

    /// Layerwise spectral sampling with approximate resistances samples each kept edge with a
    /// probability proportional to |w| times the approximate resistance of the layer's graph
    /// (below the cap of 1), and keeps the exact count; the exact resistances give other ratios.
    func testLayerwiseApproximateResistancesAreTheOnesSampledBy() throws {
        let w = layer(12, 9, seed: 21)
        let scores = Matrix(rows: w.rows, columns: w.columns, elements: w.elements.map(abs))
        var sparsifier = NetworkSparsifier(method: .spectral, density: 0.3, reweight: true, seed: 4)
        sparsifier.approximateLayerwise = true
        let result = try sparsifier.sparsify(layers: [w])[0]
        XCTAssertEqual(result.kept, Int((0.3 * 108).rounded()))
        let graph = try NetworkGraph(scores: [scores])
        let approximate = try sparsifier.approximation.resistances(of: graph.graph).values
        let exact = try EffectiveResistance.bySchurComplement(biadjacency: scores)
        func ratios(_ resistance: (Int) -> Double) -> [Double] {
            result.mask.elements.indices.filter { result.mask.elements[$0] > 1 }.map { e in
                (1 / result.mask.elements[e]) / (scores.elements[e] * resistance(e))
            }
        }
        let approximated = ratios { graph.value(approximate, layer: 0, index: $0, columns: w.columns) }
        XCTAssertGreaterThan(approximated.count, 5)
        XCTAssertLessThan((approximated.max()! - approximated.min()!) / approximated.max()!, 1e-9, "p_e ∝ |w_e| · R̃_e")
        let exactRatios = ratios { exact.elements[$0] }
        XCTAssertGreaterThan((exactRatios.max()! - exactRatios.min()!) / exactRatios.max()!, 1e-3, "not the exact resistances")
    }

    func testConvolutionUnfoldsToOutTimesInKernel() throws {
        let t = Tensor(shape: [2, 3, 2, 2], storage: .float32((0..<24).map { Float($0) }))
        let m = try t.unfoldedLayer(name: "conv")
        XCTAssertEqual(m.rows, 2); XCTAssertEqual(m.columns, 12)
        XCTAssertEqual(m[1, 0], 12)
        XCTAssertEqual(t.reshaped(from: m), t)
        XCTAssertThrowsError(try Tensor(shape: [4], storage: .float32([1, 2, 3, 4])).unfoldedLayer(name: "bias"))
    }
}
