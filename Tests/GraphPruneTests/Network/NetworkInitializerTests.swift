import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `Initializer`: the laws of Glorot uniform and Kaiming normal on a large layer, and determinism.
final class NetworkInitializerTests: XCTestCase {
    private func moments(_ w: [Float]) -> (mean: Double, variance: Double, min: Float, max: Float) {
        let n = Double(w.count)
        let mean = w.reduce(0.0) { $0 + Double($1) } / n
        let variance = w.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (mean, variance, w.min()!, w.max()!)
    }

    func testGlorotUniformRangeMeanAndVariance() {
        var g = SplitMix64(seed: 1)
        let w = Initializer.glorotUniform.weights(outputs: 300, inputs: 500, generator: &g)
        XCTAssertEqual(w.rows, 300)
        XCTAssertEqual(w.columns, 500)
        let a = (6.0 / 800).squareRoot()
        let m = moments(w.elements)
        XCTAssertGreaterThanOrEqual(Double(m.min), -a)
        XCTAssertLessThanOrEqual(Double(m.max), a)
        XCTAssertEqual(Double(m.min), -a, accuracy: a * 1e-3)  // 150 000 draws reach the ends
        XCTAssertEqual(Double(m.max), a, accuracy: a * 1e-3)
        XCTAssertEqual(m.mean, 0, accuracy: 5 * a / (3.0 * 150_000).squareRoot())
        XCTAssertEqual(m.variance, a * a / 3, accuracy: 0.01 * a * a / 3)
    }

    func testKaimingNormalMeanVarianceAndShape() {
        var g = SplitMix64(seed: 2)
        let w = Initializer.kaimingNormal.weights(outputs: 300, inputs: 500, generator: &g)
        let sigma = (2.0 / 500).squareRoot()
        let m = moments(w.elements)
        XCTAssertEqual(m.mean, 0, accuracy: 5 * sigma / 150_000.0.squareRoot())
        XCTAssertEqual(m.variance, sigma * sigma, accuracy: 0.015 * sigma * sigma)
        let withinOne = Double(w.elements.filter { abs(Double($0)) < sigma }.count) / 150_000
        XCTAssertEqual(withinOne, 0.6827, accuracy: 0.006)
        let beyondThree = Double(w.elements.filter { abs(Double($0)) > 3 * sigma }.count) / 150_000
        XCTAssertEqual(beyondThree, 0.0027, accuracy: 0.0008)
        XCTAssertTrue(w.elements.allSatisfy(\.isFinite))
    }

    func testSameSeedSameWeightsAndOddCounts() {
        for initializer in Initializer.allCases {
            var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
            let w1 = initializer.weights(outputs: 3, inputs: 3, generator: &a)
            let w2 = initializer.weights(outputs: 3, inputs: 3, generator: &b)
            XCTAssertEqual(w1, w2, "\(initializer)")
            XCTAssertEqual(a.next(), b.next(), "streams stay in step")
            XCTAssertEqual(Set(w1.elements).count, 9, "\(initializer)")
        }
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(Initializer.kaimingNormal.weights(outputs: 0, inputs: 4, generator: &g).elements, [])
    }

    func testKaimingUsesBoxMullerPairsInRowMajorOrder() {
        var g = SplitMix64(seed: 11), reference = SplitMix64(seed: 11)
        let w = Initializer.kaimingNormal.weights(outputs: 1, inputs: 2, generator: &g)
        let (z0, z1) = reference.nextGaussianPair()
        XCTAssertEqual(w.elements, [Float(z0), Float(z1)])
    }
}
