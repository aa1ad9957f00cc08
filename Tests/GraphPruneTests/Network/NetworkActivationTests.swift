import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `ReLU` and `Dropout`: values, gradients (central differences with the mask held fixed by
/// re-seeding the generator), the mask's law and its determinism.
final class NetworkActivationTests: XCTestCase {
    typealias S = NetworkTestSupport

    /// Entries with |x| ≥ 0.1, so a step of 1e-2 never crosses ReLU's kink.
    private func awayFromZero(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Float> {
        let m = S.matrix(rows, columns, seed: seed)
        return Matrix(rows: rows, columns: columns, elements: m.elements.map { $0 < 0 ? $0 - 0.1 : $0 + 0.1 })
    }

    func testReLUValuesAndGradient() {
        var relu = ReLU()
        let x = Matrix<Float>([[-1, 0, 2], [3, -0.5, 0.25]])
        let y = S.forward(&relu, x)
        XCTAssertEqual(y, Matrix([[0, 0, 2], [3, 0, 0.25]]))
        let dx = S.backward(&relu, input: x, output: y, outputGradient: Matrix([[1, 2, 3], [4, 5, 6]]))
        XCTAssertEqual(dx, Matrix([[0, 0, 3], [4, 0, 6]]))
    }

    /// A batch large enough to be split across cores (ranges of ``ReLU/minimumChunk``), with a
    /// length that leaves a tail after the sixteen-wide steps, and zeros of both signs and NaN.
    func testReLUOnASplitBatchMatchesTheDefinition() {
        let columns = 2 * ReLU.minimumChunk / 3 + 5
        var x = S.matrix(3, columns, seed: 4)
        (x.elements[0], x.elements[1], x.elements[2], x.elements[x.elements.count - 1]) = (0, -0, .nan, -.infinity)
        var relu = ReLU()
        let y = S.forward(&relu, x)
        XCTAssertEqual(y.elements, x.elements.map { $0 > 0 ? $0 : 0 })
        let g = S.matrix(3, columns, seed: 5)
        let dx = S.backward(&relu, input: x, output: y, outputGradient: g)
        XCTAssertEqual(dx.elements, zip(y.elements, g.elements).map { $0 > 0 ? $1 : 0 })
    }

    func testReLUGradientMatchesCentralDifferences() {
        var relu = ReLU()
        let x = awayFromZero(4, 5, seed: 1)
        let r = S.matrix(4, 5, seed: 2)
        let dx = S.backward(&relu, input: x, output: S.forward(&relu, x), outputGradient: r)
        let numeric = S.numericGradient(x.elements, step: 1e-2) { e in
            var l = ReLU()
            return S.projection(S.forward(&l, Matrix(rows: 4, columns: 5, elements: e)), r)
        }
        XCTAssertGradientsMatch(dx.elements, numeric, absolute: 1e-4, relative: 1e-3)
    }

    func testDropoutMaskIsDrawnRowMajorAndBackwardAppliesIt() {
        let rate: Float = 0.3
        var dropout = Dropout(rate: rate)
        let x = awayFromZero(4, 6, seed: 3)
        let y = S.forward(&dropout, x, training: true, seed: 7)
        // The documented law: keep entry i iff the i-th uniform of the stream is < 1 − p.
        var g = SplitMix64(seed: 7)
        let scale = Float(1 / (1 - Double(rate)))
        let mask = (0..<24).map { _ in g.nextUnitDouble() < 1 - Double(rate) ? scale : 0 }
        XCTAssertTrue(mask.contains(0) && mask.contains(scale))
        XCTAssertEqual(y.elements, zip(x.elements, mask).map { $0 * $1 })
        let dy = S.matrix(4, 6, seed: 4)
        let dx = S.backward(&dropout, input: x, output: y, outputGradient: dy)
        XCTAssertEqual(dx.elements, zip(dy.elements, mask).map { $0 * $1 })
    }

    func testDropoutGradientMatchesCentralDifferencesUnderAFixedMask() {
        var dropout = Dropout(rate: 0.5)
        let x = S.matrix(3, 4, seed: 5)
        let r = S.matrix(3, 4, seed: 6)
        let dx = S.backward(&dropout, input: x, output: S.forward(&dropout, x, training: true, seed: 99), outputGradient: r)
        let numeric = S.numericGradient(x.elements, step: 1e-2) { e in
            var d = Dropout(rate: 0.5)
            return S.projection(S.forward(&d, Matrix(rows: 3, columns: 4, elements: e), training: true, seed: 99), r)
        }
        XCTAssertGradientsMatch(dx.elements, numeric, absolute: 1e-4, relative: 1e-3)
    }

    func testDropoutIsTheIdentityInEvaluationAndAtRateZero() {
        let x = S.matrix(3, 5, seed: 8)
        let dy = S.matrix(3, 5, seed: 9)
        var evaluation = Dropout(rate: 0.5)
        _ = S.forward(&evaluation, x, training: true, seed: 1)  // a stale training mask must not leak
        let y = S.forward(&evaluation, x, training: false)
        XCTAssertEqual(y, x)
        XCTAssertEqual(S.backward(&evaluation, input: x, output: y, outputGradient: dy), dy)
        var none = Dropout(rate: 0)
        var generator = SplitMix64(seed: 3)
        var out = Matrix<Float>(rows: 3, columns: 5)
        none.forward(x, into: &out, training: true, generator: &generator)
        XCTAssertEqual(out, x)
        var untouched = SplitMix64(seed: 3)
        XCTAssertEqual(generator.next(), untouched.next(), "rate 0 draws nothing")
    }

    func testDropoutKeepsAboutOneMinusRateAndPreservesTheMean() {
        var dropout = Dropout(rate: 0.2)
        let x = Matrix<Float>(rows: 200, columns: 100, repeating: 1)
        let y = S.forward(&dropout, x, training: true, seed: 12)
        let kept = Double(y.elements.filter { $0 != 0 }.count) / 20_000
        XCTAssertEqual(kept, 0.8, accuracy: 0.015)  // σ ≈ 0.003
        let mean = y.elements.reduce(0.0) { $0 + Double($1) } / 20_000
        XCTAssertEqual(mean, 1, accuracy: 0.02)
        XCTAssertTrue(y.elements.allSatisfy { $0 == 0 || $0 == 1.25 })
    }

    func testDropoutMasksAreDeterministicPerSeedAndAdvanceTheStream() {
        let x = Matrix<Float>(rows: 8, columns: 8, repeating: 1)
        var a = Dropout(rate: 0.5), b = Dropout(rate: 0.5)
        XCTAssertEqual(S.forward(&a, x, training: true, seed: 5), S.forward(&b, x, training: true, seed: 5))
        XCTAssertNotEqual(S.forward(&a, x, training: true, seed: 5), S.forward(&b, x, training: true, seed: 6))
        // Two consecutive batches from one stream get different masks.
        var generator = SplitMix64(seed: 5)
        var first = Matrix<Float>(rows: 8, columns: 8), second = first
        a.forward(x, into: &first, training: true, generator: &generator)
        a.forward(x, into: &second, training: true, generator: &generator)
        XCTAssertNotEqual(first, second)
    }
}
