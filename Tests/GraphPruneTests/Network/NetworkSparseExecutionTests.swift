import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `SparseDense`'s two executions: the CSR kernels against a scalar transcription of their stated
/// summation order (bit for bit, whatever the batch split), the masked dense products against
/// the CSR kernels, and the automatic choice between them.
final class NetworkSparseExecutionTests: XCTestCase {
    typealias S = NetworkTestSupport

    private func randomLayer(inputs: Int, outputs: Int, density: Double, seed: UInt64) -> SparseDense {
        S.randomSparseLayer(inputs: inputs, outputs: outputs, density: density, seed: seed)
    }

    /// Forward, `∂L/∂X`, `∂L/∂W`, `∂L/∂b` in the order `SparseDense+Kernels` states, one scalar
    /// Float operation at a time.
    private func reference(_ layer: SparseDense, x: Matrix<Float>, g: Matrix<Float>)
        -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
        let batch = x.rows, pattern = layer.pattern()
        var y = [Float](repeating: 0, count: batch * layer.outputs)
        for b in 0..<batch {
            for j in 0..<layer.outputs {
                var sum = layer.bias[j]
                for k in layer.rowStarts[j]..<layer.rowStarts[j + 1] { sum += layer.values[k] * x[b, Int(layer.columns[k])] }
                y[b * layer.outputs + j] = sum
            }
        }
        // The column view: the connections reaching each input, in increasing output order.
        var reaching = [[(position: Int, output: Int)]](repeating: [], count: layer.inputs)
        for (k, c) in pattern.enumerated() { reaching[c.input].append((k, c.output)) }
        var dx = [Float](repeating: 0, count: batch * layer.inputs)
        for b in 0..<batch {
            for i in 0..<layer.inputs {
                var sum: Float = 0
                for e in reaching[i] { sum += layer.values[e.position] * g[b, e.output] }
                dx[b * layer.inputs + i] = sum
            }
        }
        let whole = batch / 4 * 4
        let dw: [Float] = pattern.map { c in
            var s: [Float] = [0, 0, 0, 0]
            for t in 0..<whole { s[t % 4] += g[t, c.output] * x[t, c.input] }
            for t in whole..<batch { s[0] += g[t, c.output] * x[t, c.input] }
            return (s[0] + s[1]) + (s[2] + s[3])
        }
        let db: [Float] = (0..<layer.outputs).map { j in
            var sum: Float = 0
            for t in 0..<batch { sum += g[t, j] }
            return sum
        }
        return (y, dx, dw, db)
    }

    func testCSRKernelsFollowTheStatedSummationOrderBitForBit() {
        // Batches of every remainder mod 4 and the tile widths; the last shape is large enough
        // for the batch and the rows to be split over the cores.
        let cases: [(inputs: Int, outputs: Int, density: Double, batch: Int)] = [
            (37, 23, 0.3, 1), (37, 23, 0.3, 3), (37, 23, 0.3, 4), (37, 23, 0.3, 5), (37, 23, 0.3, 17),
            (37, 23, 0.3, 50), (37, 23, 0.3, 100), (37, 23, 0.3, 131), (9, 1, 1, 7), (1, 9, 1, 6),
            (400, 300, 0.08, 100),
        ]
        for (n, c) in cases.enumerated() {
            var layer = randomLayer(inputs: c.inputs, outputs: c.outputs, density: c.density, seed: UInt64(40 + n))
            layer.execution = .sparse
            let x = S.matrix(c.batch, c.inputs, seed: UInt64(400 + n)), g = S.matrix(c.batch, c.outputs, seed: UInt64(500 + n))
            let y = S.forward(&layer, x)
            let dx = S.backward(&layer, input: x, output: y, outputGradient: g)
            let expected = reference(layer, x: x, g: g)
            XCTAssertEqual(y.elements.map(\.bitPattern), expected.y.map(\.bitPattern), "Y \(c)")
            XCTAssertEqual(dx.elements.map(\.bitPattern), expected.dx.map(\.bitPattern), "∂L/∂X \(c)")
            XCTAssertEqual(layer.weightGradient.map(\.bitPattern), expected.dw.map(\.bitPattern), "∂L/∂W \(c)")
            XCTAssertEqual(layer.biasGradient.map(\.bitPattern), expected.db.map(\.bitPattern), "∂L/∂b \(c)")
        }
    }

    func testAnEvaluationSizedBatchGivesEachSampleTheSameBitsAsAlone() {
        // Forward blocks of up to 96 samples: sample 517 of a batch of 1000 equals its batch of one.
        var layer = randomLayer(inputs: 120, outputs: 70, density: 0.1, seed: 3)
        layer.execution = .sparse
        let x = S.matrix(1000, 120, seed: 4)
        let y = S.forward(&layer, x)
        let alone = S.forward(&layer, Matrix(rows: 1, columns: 120, elements: Array(x.elements[(517 * 120)..<(518 * 120)])))
        XCTAssertEqual(Array(y.elements[(517 * 70)..<(518 * 70)]).map(\.bitPattern), alone.elements.map(\.bitPattern))
    }

    func testDenseExecutionComputesWhatTheCSRKernelsCompute() {
        for (n, density) in [0.05, 0.3, 0.9].enumerated() {
            var csr = randomLayer(inputs: 45, outputs: 31, density: density, seed: UInt64(60 + n))
            csr.execution = .sparse
            var dense = csr
            dense.execution = .dense
            for round in 0..<2 {
                let x = S.matrix(13, 45, seed: UInt64(70 + n + round)), g = S.matrix(13, 31, seed: UInt64(80 + n + round))
                let ys = S.forward(&csr, x), yd = S.forward(&dense, x)
                XCTAssertClose(yd.elements.map(Double.init), ys.elements.map(Double.init), tolerance: 1e-5, "Y \(density) \(round)")
                let dxs = S.backward(&csr, input: x, output: ys, outputGradient: g)
                let dxd = S.backward(&dense, input: x, output: yd, outputGradient: g)
                XCTAssertClose(dxd.elements.map(Double.init), dxs.elements.map(Double.init), tolerance: 1e-5, "∂L/∂X \(density) \(round)")
                XCTAssertClose(dense.weightGradient.map(Double.init), csr.weightGradient.map(Double.init), tolerance: 1e-5, "∂L/∂W \(density) \(round)")
                XCTAssertClose(dense.biasGradient.map(Double.init), csr.biasGradient.map(Double.init), tolerance: 1e-5, "∂L/∂b \(density) \(round)")
                // Rewire both between the rounds: the dense weights must follow (no removed weight
                // may linger in them) and the gradient must land at the new positions.
                let removed = { (output: Int, input: Int, _: Float) in (output + input) % 3 == 0 }
                _ = csr.removeConnections(where: removed)
                _ = dense.removeConnections(where: removed)
                let added = (0..<31).compactMap { j in (0..<45).first { !csr.contains(output: j, input: $0) }.map { (output: j, input: $0) } }
                _ = csr.addConnections(added, value: 0.5)
                _ = dense.addConnections(added, value: 0.5)
            }
        }
    }

    func testBackwardTakesThePathOfItsForwardAndACSRForwardReleasesTheDenseCopy() {
        var layer = randomLayer(inputs: 20, outputs: 10, density: 0.5, seed: 90)
        layer.execution = .dense
        let x = S.matrix(6, 20, seed: 91), g = S.matrix(6, 10, seed: 92)
        let y = S.forward(&layer, x)
        _ = S.backward(&layer, input: x, output: y, outputGradient: g)
        XCTAssertNotNil(layer.denseEngine)
        // New weights, a CSR forward, then the execution switched back before the backward: the
        // backward must follow the CSR forward, not the dense copy of the old weights.
        layer.values = layer.values.map { 2 * $0 }
        layer.execution = .sparse
        let y2 = S.forward(&layer, x)
        XCTAssertNil(layer.denseEngine, "a CSR forward keeps no dense copy")
        layer.execution = .dense
        let dx = S.backward(&layer, input: x, output: y2, outputGradient: g)
        var csr = layer
        csr.execution = .sparse
        let y3 = S.forward(&csr, x)
        let expected = S.backward(&csr, input: x, output: y3, outputGradient: g)
        XCTAssertEqual(dx.elements.map(\.bitPattern), expected.elements.map(\.bitPattern))
        XCTAssertEqual(layer.weightGradient.map(\.bitPattern), csr.weightGradient.map(\.bitPattern))
    }

    /// Evaluation passes in a row reuse the dense copy of the weights; any change of a value or
    /// a bias between them — in place, as an optimiser makes it, or by assignment — is seen.
    func testDenseExecutionSeesEveryChangeOfTheWeights() {
        var layer = randomLayer(inputs: 9, outputs: 7, density: 0.5, seed: 31)
        layer.execution = .dense
        let x = S.matrix(3, 9, seed: 32)
        func expected(_ l: SparseDense) -> Matrix<Float> {
            var csr = l
            csr.execution = .sparse
            return S.forward(&csr, x)
        }
        XCTAssertEqual(S.forward(&layer, x), S.forward(&layer, x), "a second pass on the kept copy")
        layer.values.withUnsafeMutableBufferPointer { $0[0] += 1 }
        XCTAssertEqual(S.forward(&layer, x).elements.map { ($0 * 1e4).rounded() }, expected(layer).elements.map { ($0 * 1e4).rounded() })
        layer.values[layer.values.count - 1] = -2
        layer.bias = layer.bias.map { $0 + 0.5 }
        XCTAssertEqual(S.forward(&layer, x).elements.map { ($0 * 1e4).rounded() }, expected(layer).elements.map { ($0 * 1e4).rounded() })
        // Through visitParameters, as the optimisers write (values, then bias).
        let doubled = layer.values.map { $0 * 2 }
        var other = layer
        other.visitParameters { values, _ in for i in values.indices { values[i] *= 2 } }
        XCTAssertEqual(other.values, doubled)
        XCTAssertEqual(S.forward(&other, x).elements.map { ($0 * 1e4).rounded() }, expected(other).elements.map { ($0 * 1e4).rounded() })
    }

    func testAutomaticExecutionRunsDenseFromTheStatedDensityOn() {
        // 20 × 10 = 200 positions: 30 connections are exactly 15 %.
        let all = (0..<10).flatMap { j in (0..<20).map { (output: j, input: $0) } }
        let below = SparseDense(inputs: 20, outputs: 10, connections: Array(all.prefix(29)))
        var at = SparseDense(inputs: 20, outputs: 10, connections: Array(all.prefix(30)))
        XCTAssertEqual(SparseDense.denseExecutionDensity, 0.15)
        XCTAssertFalse(below.runsDense)
        XCTAssertTrue(at.runsDense)
        at.execution = .sparse
        XCTAssertFalse(at.runsDense)
        var forced = below
        forced.execution = .dense
        XCTAssertTrue(forced.runsDense)
        XCTAssertFalse(SparseDense(inputs: 0, outputs: 3, connections: []).runsDense, "a layer without positions has no dense products")
    }
}
