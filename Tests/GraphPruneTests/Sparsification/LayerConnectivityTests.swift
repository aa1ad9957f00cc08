import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class LayerConnectivityTests: XCTestCase {
    // MARK: Brute force, independent of the library's graph code

    /// Components of the bipartite graph of `w` (out × in; nodes: inputs 0..<in, then outputs),
    /// by union–find, each sorted, ordered by smallest node.
    private func bruteComponents(_ w: Matrix<Double>) -> [[Int]] {
        let n = w.columns + w.rows
        var parent = Array(0..<n)
        func find(_ u: Int) -> Int {
            var u = u
            while parent[u] != u { u = parent[u] }
            return u
        }
        for j in 0..<w.rows {
            for i in 0..<w.columns where w[j, i] != 0 {
                let a = find(i), b = find(w.columns + j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var groups = [Int: [Int]]()
        for u in 0..<n { groups[find(u), default: []].append(u) }
        return groups.values.sorted { $0[0] < $1[0] }
    }

    /// The full spectrum (ascending) of the normalised Laplacian of the subgraph of `w` induced by
    /// `nodes`, from the dense (in + out)-node adjacency.
    private func normalisedLaplacianSpectrum(_ w: Matrix<Double>, nodes: [Int]) throws -> [Double] {
        func weight(_ u: Int, _ v: Int) -> Double {
            let (lo, hi) = (min(u, v), max(u, v))
            return lo < w.columns && hi >= w.columns ? w[hi - w.columns, lo] : 0
        }
        let n = nodes.count
        let degree = nodes.map { u in nodes.reduce(0) { $0 + weight(u, $1) } }
        var l = Matrix<Double>.identity(n)
        for a in 0..<n {
            for b in 0..<n where degree[a] > 0 && degree[b] > 0 {
                l[a, b] -= weight(nodes[a], nodes[b]) / (degree[a] * degree[b]).squareRoot()
            }
            if degree[a] == 0 { l[a, a] = 0 }
        }
        return try SymmetricEigen.full(l, vectors: false).values
    }

    /// A random out × in layer of non-negative weights in (0, 1], each entry zero with
    /// probability `zeros`.
    private func randomLayer(_ outputs: Int, _ inputs: Int, zeros: Double, seed: UInt64) -> Matrix<Double> {
        var g = SplitMix64(seed: seed)
        let values = (0..<(outputs * inputs)).map { _ in
            g.nextUnitDouble() < zeros ? 0 : 1 - g.nextUnitDouble()
        }
        return Matrix(rows: outputs, columns: inputs, elements: values)
    }

    private func assertMatchesBruteForce(
        _ w: Matrix<Double>, _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try LayerConnectivity(edgeWeights: w)
        let parts = bruteComponents(w)
        var largest = [Int]()
        for p in parts where p.count > largest.count { largest = p }
        XCTAssertEqual(result.components, parts.count, label, file: file, line: line)
        XCTAssertEqual(result.largestComponentSize, largest.count, label, file: file, line: line)
        let deadInputs = (0..<w.columns).filter { i in (0..<w.rows).allSatisfy { w[$0, i] == 0 } }
        let deadOutputs = (0..<w.rows).filter { j in (0..<w.columns).allSatisfy { w[j, $0] == 0 } }
        XCTAssertEqual(result.isolatedInputs, deadInputs.count, label, file: file, line: line)
        XCTAssertEqual(result.isolatedOutputs, deadOutputs.count, label, file: file, line: line)
        let spectrum = try normalisedLaplacianSpectrum(w, nodes: largest)
        let expected = spectrum.count >= 2 ? spectrum[1] : 0
        XCTAssertEqual(result.lambda2, expected, accuracy: 1e-10, label, file: file, line: line)
    }

    // MARK: Tests

    func testLambda2MatchesDenseNormalisedLaplacianOnRandomLayers() throws {
        let shapes = [(7, 5), (5, 7), (12, 30), (30, 12), (1, 6), (6, 1), (1, 1), (2, 2), (9, 9), (3, 40)]
        var seed: UInt64 = 100
        for (outputs, inputs) in shapes {
            for zeros in [0.0, 0.3, 0.7] {
                seed += 1
                let w = randomLayer(outputs, inputs, zeros: zeros, seed: seed)
                try assertMatchesBruteForce(w, "\(outputs)×\(inputs), zeros \(zeros), seed \(seed)")
            }
        }
    }

    func testCompleteBipartiteHasSpectrumZeroOneTwo() throws {
        for (p, q) in [(1, 1), (1, 2), (1, 7), (7, 1), (2, 2), (2, 3), (3, 2), (4, 9), (6, 6)] {
            let w = Matrix<Double>(rows: p, columns: q, repeating: 1)
            let result = try LayerConnectivity(edgeWeights: w)
            let expected: Double = p == 1 && q == 1 ? 2 : 1
            XCTAssertEqual(result.lambda2, expected, accuracy: 1e-13, "K_{\(p),\(q)}")
            XCTAssertEqual(result.components, 1)
            XCTAssertEqual(result.largestComponentSize, p + q)
            // Known spectrum {0, 1 (× p + q − 2), 2}, checked against the dense solver.
            let spectrum = try normalisedLaplacianSpectrum(w, nodes: Array(0..<(p + q)))
            XCTAssertClose(spectrum, [0] + Array(repeating: 1, count: p + q - 2) + [2], tolerance: 1e-12, "K_{\(p),\(q)}")
        }
    }

    func testStarsIgnoreTheirWeights() throws {
        for q in 2...6 {
            let weights = randomLayer(1, q, zeros: 0, seed: UInt64(q))
            XCTAssertEqual(try LayerConnectivity(edgeWeights: weights).lambda2, 1, accuracy: 1e-15)
            XCTAssertEqual(try LayerConnectivity(edgeWeights: weights.transposed()).lambda2, 1, accuracy: 1e-15)
        }
        XCTAssertEqual(try LayerConnectivity(edgeWeights: Matrix([[0.25]])).lambda2, 2)
    }

    func testPathsMatchTheirClosedForm() throws {
        // Output j joins inputs j and j + 1: the path in0 – out0 – in1 – out1 – … .
        // The normalised Laplacian of the unweighted path on n nodes has λ_k = 1 − cos(πk / (n − 1)).
        for (outputs, inputs) in [(2, 2), (2, 3), (3, 3), (3, 4), (8, 8), (8, 9)] {
            var w = Matrix<Double>(rows: outputs, columns: inputs)
            for j in 0..<outputs {
                w[j, j] = 1
                if j + 1 < inputs { w[j, j + 1] = 1 }
            }
            let n = outputs + inputs
            let result = try LayerConnectivity(edgeWeights: w)
            XCTAssertEqual(result.components, 1)
            XCTAssertEqual(result.lambda2, 1 - cos(Double.pi / Double(n - 1)), accuracy: 1e-12, "P_\(n)")
            try assertMatchesBruteForce(w, "P_\(n)")
        }
    }

    func testDeadNeuronsSplitTheLayer() throws {
        // 6 outputs × 5 inputs: outputs {0,1,2} × inputs {0,1,2} dense; output 4 – input 4 a single
        // edge; input 3 and outputs 3, 5 dead.
        let w = randomLayer(6, 5, zeros: 0, seed: 7)
        var layer = Matrix<Double>(rows: 6, columns: 5)
        for j in 0..<3 { for i in 0..<3 { layer[j, i] = w[j, i] } }
        layer[4, 4] = 0.5
        let result = try LayerConnectivity(edgeWeights: layer)
        XCTAssertEqual(result.components, 5)  // the block, the edge, input 3, outputs 3 and 5
        XCTAssertEqual(result.largestComponentSize, 6)
        XCTAssertEqual(result.isolatedInputs, 1)
        XCTAssertEqual(result.isolatedOutputs, 2)
        let alone = try LayerConnectivity(edgeWeights: Matrix((0..<3).map { j in (0..<3).map { w[j, $0] } }))
        XCTAssertEqual(result.lambda2, alone.lambda2, accuracy: 1e-14)
        try assertMatchesBruteForce(layer, "dead neurons")
    }

    func testEqualComponentsPreferTheLowestNodeID() throws {
        // Two 4-node components: a path in0 – out2 – in1 – out3 (λ₂ = 1 − cos(π/3) = 1/2) and
        // K_{2,2} on outputs {0,1} × inputs {2,3} (λ₂ = 1). Node 0 (input 0) is on the path.
        var w = Matrix<Double>(rows: 4, columns: 4)
        w[2, 0] = 1; w[2, 1] = 1; w[3, 1] = 1
        for j in 0..<2 { for i in 2..<4 { w[j, i] = 1 } }
        let result = try LayerConnectivity(edgeWeights: w)
        XCTAssertEqual(result.components, 2)
        XCTAssertEqual(result.largestComponentSize, 4)
        XCTAssertEqual(result.lambda2, 0.5, accuracy: 1e-13)
    }

    func testEdgelessAndEmptyLayers() throws {
        func check(
            _ w: Matrix<Double>, components: Int, largest: Int, inputs: Int, outputs: Int, line: UInt = #line
        ) throws {
            let r = try LayerConnectivity(edgeWeights: w)
            XCTAssertEqual(r.lambda2, 0, line: line)
            XCTAssertEqual(r.components, components, line: line)
            XCTAssertEqual(r.largestComponentSize, largest, line: line)
            XCTAssertEqual(r.isolatedInputs, inputs, line: line)
            XCTAssertEqual(r.isolatedOutputs, outputs, line: line)
        }
        try check(Matrix(rows: 3, columns: 4), components: 7, largest: 1, inputs: 4, outputs: 3)
        try check(Matrix([[-0.0]]), components: 2, largest: 1, inputs: 1, outputs: 1)  // −0 is no edge
        try check(Matrix(rows: 0, columns: 3), components: 3, largest: 1, inputs: 3, outputs: 0)
        try check(Matrix(rows: 2, columns: 0), components: 2, largest: 1, inputs: 0, outputs: 2)
        try check(Matrix(rows: 0, columns: 0), components: 0, largest: 0, inputs: 0, outputs: 0)
    }

    func testLambda2IsScaleInvariant() throws {
        let w = randomLayer(9, 13, zeros: 0.4, seed: 42)
        let reference = try LayerConnectivity(edgeWeights: w)
        for scale in [1e-300, 1e-12, 1e12, 1e300] {
            let scaled = Matrix(rows: 9, columns: 13, elements: w.elements.map { $0 * scale })
            let result = try LayerConnectivity(edgeWeights: scaled)
            XCTAssertEqual(result.lambda2, reference.lambda2, accuracy: 1e-12, "scale \(scale)")
            XCTAssertEqual(result.components, reference.components)
        }
    }

    func testInvalidWeightsThrow() {
        for bad in [-1e-9, -.infinity, .infinity, .nan] {
            var w = Matrix<Double>(rows: 3, columns: 2, repeating: 1)
            w[2, 1] = bad
            XCTAssertThrowsError(try LayerConnectivity(edgeWeights: w), "\(bad)") { error in
                guard case NumericalError.invalidInput = error else { return XCTFail("\(error)") }
                XCTAssertTrue("\(error)".contains("output 2, input 1"), "\(error)")
            }
        }
    }
}
