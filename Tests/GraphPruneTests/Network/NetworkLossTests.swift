import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `SoftmaxCrossEntropy` on known values, its stability and gradient, and the gradient of a
/// whole Dense → ReLU → Dense → loss stack against central differences.
final class NetworkLossTests: XCTestCase {
    typealias S = NetworkTestSupport

    private func evaluate(_ logits: Matrix<Float>, _ labels: [Int32]) -> (loss: Double, correct: Int, gradient: Matrix<Float>) {
        var gradient: Matrix<Float>? = Matrix(rows: logits.rows, columns: logits.columns, repeating: .nan)
        let (loss, correct) = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels, gradient: &gradient)
        return (loss, correct, gradient!)
    }

    func testKnownValues() {
        // Row 0: uniform over 2 classes → ln 2, gradient (½ − 1, ½). Row 1: logits (ln 3, 0) → p = (¾, ¼).
        let r = evaluate(Matrix([[0, 0], [Float(log(3.0)), 0]]), [0, 1])
        XCTAssertEqual(r.loss, (log(2.0) + log(4.0)) / 2, accuracy: 1e-7)
        XCTAssertEqual(r.correct, 1)  // row 0 ties → class 0 = label; row 1 predicts 0 ≠ 1
        XCTAssertEqual(r.gradient.elements[0], -0.25, accuracy: 1e-7)
        XCTAssertEqual(r.gradient.elements[1], 0.25, accuracy: 1e-7)
        XCTAssertEqual(r.gradient.elements[2], 0.375, accuracy: 1e-7)
        XCTAssertEqual(r.gradient.elements[3], -0.375, accuracy: 1e-7)
    }

    func testTiesGoToTheLowestIndex() {
        let logits = Matrix<Float>([[1, 3, 3], [2, 2, 2], [0, -1, 5]])
        XCTAssertEqual(SoftmaxCrossEntropy.evaluate(logits: logits, labels: [1, 0, 2][...]).correct, 3)
        XCTAssertEqual(SoftmaxCrossEntropy.evaluate(logits: logits, labels: [2, 1, 2][...]).correct, 1)
    }

    func testLargeLogitsAreStable() {
        let r = evaluate(Matrix([[1000, 0, -1000], [88, 89, 0]]), [1, 1])
        // Row 0: loss 1000 (log-sum-exp = 1000 + log(1 + e⁻¹⁰⁰⁰ + …)); row 1: log(1 + e⁻¹ + e⁻⁸⁹).
        XCTAssertEqual(r.loss, (1000 + log(1 + exp(-1.0))) / 2, accuracy: 1e-6)
        XCTAssertTrue(r.gradient.elements.allSatisfy(\.isFinite))
        XCTAssertEqual(r.gradient[0, 0], 0.5, accuracy: 1e-7)
        XCTAssertEqual(r.gradient[0, 1], -0.5, accuracy: 1e-7)
    }

    func testGradientMatchesCentralDifferencesAndRowsSumToZero() {
        let logits = S.matrix(4, 5, seed: 1, scale: 3)
        let labels: [Int32] = [0, 4, 2, 2]
        let r = evaluate(logits, labels)
        let numeric = S.numericGradient(logits.elements, step: 1e-2) { e in
            SoftmaxCrossEntropy.evaluate(logits: Matrix(rows: 4, columns: 5, elements: e), labels: labels[...]).loss
        }
        XCTAssertGradientsMatch(r.gradient.elements, numeric, absolute: 1e-5, relative: 1e-3)
        for b in 0..<4 { XCTAssertEqual(r.gradient.row(b).reduce(0, +), 0, accuracy: 1e-6) }
    }

    func testWithoutAGradientBufferAndWithASlice() {
        let logits = S.matrix(3, 4, seed: 2)
        var none: Matrix<Float>? = nil
        let all: [Int32] = [9, 1, 2, 3]
        let a = SoftmaxCrossEntropy.evaluate(logits: logits, labels: all[1...], gradient: &none)
        XCTAssertNil(none)
        let b = evaluate(logits, [1, 2, 3])
        XCTAssertEqual(a.loss, b.loss)
        XCTAssertEqual(a.correct, b.correct)
    }

    func testDenseReLUDenseStackGradientMatchesCentralDifferences() {
        let x = S.matrix(5, 4, seed: 4)
        // The first seed from 2024 whose hidden pre-activations all keep ≥ 0.02 from ReLU's kink,
        // so no finite-difference step (≤ 2e-3 · a few) crosses it.
        var seed: UInt64 = 2024
        var first: Dense, second: Dense
        repeat {
            var generator = SplitMix64(seed: seed)
            first = Dense(inputs: 4, outputs: 6, initializer: .kaimingNormal, generator: &generator)
            first.bias = S.matrix(1, 6, seed: seed, scale: 0.1).elements
            second = Dense(inputs: 6, outputs: 3, initializer: .glorotUniform, generator: &generator)
            seed += 1
        } while S.forward(&first, x).elements.contains { abs($0) < 0.02 }
        let labels: [Int32] = [0, 1, 2, 1, 0]

        func loss(_ a: Dense, _ b: Dense, _ input: Matrix<Float>) -> Double {
            var (a, b, relu) = (a, b, ReLU())
            let logits = S.forward(&b, S.forward(&relu, S.forward(&a, input)))
            return SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels[...]).loss
        }

        var relu = ReLU()
        let h = S.forward(&first, x)
        let a = S.forward(&relu, h)
        let logits = S.forward(&second, a)
        let top = evaluate(logits, labels)
        let da = S.backward(&second, input: a, output: logits, outputGradient: top.gradient)
        let dh = S.backward(&relu, input: h, output: a, outputGradient: da)
        let dx = S.backward(&first, input: x, output: h, outputGradient: dh)
        XCTAssertEqual(top.loss, loss(first, second, x), accuracy: 1e-12)

        let step: Float = 2e-3
        let (f, s) = (first, second)
        let numericW1 = S.numericGradient(f.weight.elements, step: step) { w in
            var g = f
            g.weight.elements = w
            return loss(g, s, x)
        }
        XCTAssertGradientsMatch(first.weightGradient.elements, numericW1, absolute: 2e-4, relative: 1e-2, "W₁")
        let numericB1 = S.numericGradient(f.bias, step: step) { b in
            var g = f
            g.bias = b
            return loss(g, s, x)
        }
        XCTAssertGradientsMatch(first.biasGradient, numericB1, absolute: 2e-4, relative: 1e-2, "b₁")
        let numericW2 = S.numericGradient(s.weight.elements, step: step) { w in
            var g = s
            g.weight.elements = w
            return loss(f, g, x)
        }
        XCTAssertGradientsMatch(second.weightGradient.elements, numericW2, absolute: 2e-4, relative: 1e-2, "W₂")
        let numericX = S.numericGradient(x.elements, step: step) { e in
            loss(f, s, Matrix(rows: 5, columns: 4, elements: e))
        }
        XCTAssertGradientsMatch(dx.elements, numericX, absolute: 2e-4, relative: 1e-2, "X")
    }
}
