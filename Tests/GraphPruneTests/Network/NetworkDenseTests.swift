import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `Dense`: the affine map in PyTorch orientation, its three gradients against central
/// differences, in-place buffers and the parameter visiting order.
final class NetworkDenseTests: XCTestCase {
    typealias S = NetworkTestSupport

    private func layer(inputs: Int = 4, outputs: Int = 3, seed: UInt64 = 1) -> Dense {
        Dense(weight: S.matrix(outputs, inputs, seed: seed), bias: S.matrix(1, outputs, seed: seed + 100).elements)
    }

    func testForwardIsXWTransposePlusBias() {
        var dense = Dense(weight: Matrix([[1, 2, 3], [-1, 0, 0.5]]), bias: [10, -1])
        let x = Matrix<Float>([[1, 0, -1], [2, 1, 0]])
        let y = S.forward(&dense, x)
        // Row 0: [1 − 3 + 10, −1 − 0.5 − 1]; row 1: [2 + 2 + 10, −2 − 1].
        XCTAssertEqual(y, Matrix([[8, -2.5], [14, -3]]))
        XCTAssertEqual(dense.outputSize(inputSize: 3), 2)
    }

    func testForwardMatchesExplicitSumsOnRandomShapes() {
        var dense = layer(inputs: 7, outputs: 5)
        let x = S.matrix(6, 7, seed: 9)
        let y = S.forward(&dense, x)
        for b in 0..<6 {
            for j in 0..<5 {
                let expected = (0..<7).reduce(Double(dense.bias[j])) { $0 + Double(x[b, $1]) * Double(dense.weight[j, $1]) }
                XCTAssertEqual(Double(y[b, j]), expected, accuracy: 1e-5)
            }
        }
    }

    func testGradientsMatchCentralDifferences() {
        var dense = layer(inputs: 4, outputs: 3)
        let x = S.matrix(5, 4, seed: 2)
        let r = S.matrix(5, 3, seed: 3)  // L = Σ Y ⊙ R, so ∂L/∂Y = R
        let y = S.forward(&dense, x)
        let dx = S.backward(&dense, input: x, output: y, outputGradient: r)
        let base = dense

        let numericW = S.numericGradient(base.weight.elements, step: 1e-2) { w in
            var d = base
            d.weight.elements = w
            return S.projection(S.forward(&d, x), r)
        }
        XCTAssertGradientsMatch(dense.weightGradient.elements, numericW, absolute: 1e-3, relative: 1e-3, "∂L/∂W")
        let numericB = S.numericGradient(base.bias, step: 1e-2) { b in
            var d = base
            d.bias = b
            return S.projection(S.forward(&d, x), r)
        }
        XCTAssertGradientsMatch(dense.biasGradient, numericB, absolute: 1e-3, relative: 1e-3, "∂L/∂b")
        let numericX = S.numericGradient(x.elements, step: 1e-2) { e in
            var d = base
            return S.projection(S.forward(&d, Matrix(rows: 5, columns: 4, elements: e)), r)
        }
        XCTAssertGradientsMatch(dx.elements, numericX, absolute: 1e-3, relative: 1e-3, "∂L/∂X")
    }

    func testVisitsWeightThenBiasWithTheirGradients() {
        var dense = layer(inputs: 4, outputs: 3)
        let x = S.matrix(2, 4, seed: 5)
        let y = S.forward(&dense, x)
        _ = S.backward(&dense, input: x, output: y, outputGradient: S.matrix(2, 3, seed: 6))
        let p = S.parameters(&dense)
        XCTAssertEqual(p.count, 2)
        XCTAssertEqual(p[0].values, dense.weight.elements)
        XCTAssertEqual(p[0].gradient, dense.weightGradient.elements)
        XCTAssertEqual(p[1].values, dense.bias)
        XCTAssertEqual(p[1].gradient, dense.biasGradient)
        // Updates made through the visitor land in the layer.
        dense.visitParameters { values, _ in values = values.map { _ in 0 } }
        XCTAssertTrue(dense.weight.elements.allSatisfy { $0 == 0 } && dense.bias.allSatisfy { $0 == 0 })
    }

    func testWritesIntoTheCallersBuffersInPlace() {
        var dense = layer(inputs: 4, outputs: 3)
        var generator = SplitMix64(seed: 0)
        var output = Matrix<Float>(rows: 5, columns: 3)
        var inputGradient = Matrix<Float>(rows: 5, columns: 4)
        let outputAddress = S.address(output), gradientAddress = S.address(inputGradient)
        for step in 0..<3 {
            let x = S.matrix(5, 4, seed: UInt64(step))
            dense.forward(x, into: &output, training: true, generator: &generator)
            let weightGradientAddress = S.address(dense.weightGradient)
            dense.backward(input: x, output: output, outputGradient: S.matrix(5, 3, seed: 50), inputGradient: &inputGradient)
            XCTAssertEqual(S.address(output), outputAddress)
            XCTAssertEqual(S.address(inputGradient), gradientAddress)
            XCTAssertEqual(S.address(dense.weightGradient), weightGradientAddress)
        }
    }

    func testSmallerLastBatchAndEmptyBatch() {
        var dense = layer(inputs: 4, outputs: 3)
        for batch in [6, 2, 0] {
            let x = S.matrix(batch, 4, seed: 11)
            let g = S.matrix(batch, 3, seed: 12)
            let y = S.forward(&dense, x)
            let dx = S.backward(&dense, input: x, output: y, outputGradient: g)
            for j in 0..<3 {
                let columnSum = (0..<batch).reduce(Float(0)) { $0 + g[$1, j] }
                XCTAssertEqual(dense.biasGradient[j], columnSum, accuracy: 1e-5, "batch \(batch)")
            }
            XCTAssertEqual(dx.rows, batch)
        }
        XCTAssertTrue(dense.weightGradient.elements.allSatisfy { $0 == 0 })
    }

    func testSeededInitialisationIsDeterministicWithZeroBias() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let d1 = Dense(inputs: 8, outputs: 5, initializer: .kaimingNormal, generator: &a)
        let d2 = Dense(inputs: 8, outputs: 5, initializer: .kaimingNormal, generator: &b)
        let d3 = Dense(inputs: 8, outputs: 5, initializer: .kaimingNormal, generator: &c)
        XCTAssertEqual(d1.weight, d2.weight)
        XCTAssertNotEqual(d1.weight, d3.weight)
        XCTAssertEqual(d1.weight.rows, 5)
        XCTAssertEqual(d1.weight.columns, 8)
        XCTAssertEqual(d1.bias, [Float](repeating: 0, count: 5))
    }
}
