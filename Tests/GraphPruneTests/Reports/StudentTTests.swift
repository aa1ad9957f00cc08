import Foundation
import XCTest
@testable import GraphPruneExperiments

/// Student's t, the incomplete beta function, confidence intervals and paired comparisons
/// against closed forms, numerical integration of the densities and SciPy's values.
final class StudentTTests: XCTestCase {
    /// Composite Simpson rule on [a, b] with `n` (even) intervals.
    private func simpson(_ f: (Double) -> Double, _ a: Double, _ b: Double, n: Int = 20_000) -> Double {
        let h = (b - a) / Double(n)
        var sum = f(a) + f(b)
        for i in 1..<n { sum += (i % 2 == 1 ? 4 : 2) * f(a + Double(i) * h) }
        return sum * h / 3
    }

    func testIncompleteBetaAgainstClosedFormsAndIntegration() {
        for x in [0.01, 0.2, 0.5, 0.77, 0.99] {
            XCTAssertEqual(RegularizedIncompleteBeta.value(x: x, a: 3.5, b: 1), pow(x, 3.5), accuracy: 1e-14)
            XCTAssertEqual(RegularizedIncompleteBeta.value(x: x, a: 1, b: 2.5), 1 - pow(1 - x, 2.5), accuracy: 1e-14)
            for (a, b) in [(2.5, 3.5), (4.0, 7.0), (2.0, 1.25)] {  // smooth integrands at 0, where Simpson's rule is accurate
                let density = { (t: Double) in pow(t, a - 1) * pow(1 - t, b - 1) / exp(RegularizedIncompleteBeta.logBeta(a, b)) }
                XCTAssertEqual(RegularizedIncompleteBeta.value(x: x, a: a, b: b), simpson(density, 0, x), accuracy: 1e-10, "a \(a) b \(b) x \(x)")
                XCTAssertEqual(RegularizedIncompleteBeta.value(x: x, a: a, b: b) + RegularizedIncompleteBeta.value(x: 1 - x, a: b, b: a), 1, accuracy: 1e-14)
            }
        }
        XCTAssertEqual(RegularizedIncompleteBeta.value(x: 0.5, a: 1.5, b: 2.5), 0.7122065907891939, accuracy: 1e-15)  // SciPy betainc
        XCTAssertEqual(RegularizedIncompleteBeta.value(x: 0, a: 2, b: 3), 0)
        XCTAssertEqual(RegularizedIncompleteBeta.value(x: 1, a: 2, b: 3), 1)
    }

    func testDistributionFunctionIsTheIntegralOfTheDensity() {
        for nu in [1.0, 2.0, 3.0, 7.0, 30.0] {
            let c = exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / (nu * Double.pi).squareRoot()
            let density = { (t: Double) in c * pow(1 + t * t / nu, -(nu + 1) / 2) }
            for t in [0.1, 0.7, 1.5, 3.0, 8.0] {
                XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: nu), 0.5 + simpson(density, 0, t), accuracy: 1e-11, "ν \(nu) t \(t)")
                XCTAssertEqual(StudentT.cdf(-t, degreesOfFreedom: nu), 1 - StudentT.cdf(t, degreesOfFreedom: nu), accuracy: 1e-15)
            }
        }
        XCTAssertEqual(StudentT.cdf(0.3, degreesOfFreedom: 3), 0.6081183539800405, accuracy: 1e-14)  // SciPy t.cdf
        XCTAssertEqual(StudentT.upperTail(40, degreesOfFreedom: 5), 9.205981085886477e-08, accuracy: 1e-20)  // SciPy t.sf: a tail far out keeps its digits
        XCTAssertEqual(StudentT.upperTail(.infinity, degreesOfFreedom: 5), 0)
    }

    func testQuantilesAgainstClosedFormsAndSciPy() {
        for p in [0.6, 0.9, 0.975, 0.995, 0.9999] {
            XCTAssertEqual(StudentT.quantile(p, degreesOfFreedom: 1), tan(Double.pi * (p - 0.5)), accuracy: 1e-12 * tan(Double.pi * (p - 0.5)))
            XCTAssertEqual(StudentT.quantile(p, degreesOfFreedom: 2), (2 * p - 1) / (2 * p * (1 - p)).squareRoot(), accuracy: 1e-12)
            XCTAssertEqual(StudentT.quantile(1 - p, degreesOfFreedom: 4), -StudentT.quantile(p, degreesOfFreedom: 4))
            XCTAssertEqual(StudentT.cdf(StudentT.quantile(p, degreesOfFreedom: 6), degreesOfFreedom: 6), p, accuracy: 1e-14)
        }
        // SciPy 1.x t.ppf
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 9), 2.262157162798205, accuracy: 1e-12)
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 29), 2.045229642132703, accuracy: 1e-12)
        XCTAssertEqual(StudentT.quantile(0.995, degreesOfFreedom: 4), 4.604094871349992, accuracy: 1e-11)
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 1e6), 1.959966356814107, accuracy: 1e-10)
        XCTAssertEqual(StudentT.quantile(0.5, degreesOfFreedom: 3), 0)
    }

    func testConfidenceIntervalOfTheMean() throws {
        let s = try XCTUnwrap(SummaryStatistics([1, 2, 4]))
        let interval = try XCTUnwrap(s.confidenceInterval(level: 0.95))
        let half = 4.302652729749464 * (7.0 / 3).squareRoot() / 3.0.squareRoot()  // t(0.975, 2) · s / √n
        XCTAssertEqual(interval.lowerBound, 7.0 / 3 - half, accuracy: 1e-12)
        XCTAssertEqual(interval.upperBound, 7.0 / 3 + half, accuracy: 1e-12)
        XCTAssertNil(try XCTUnwrap(SummaryStatistics([5])).confidenceInterval(level: 0.95), "one value: no spread to estimate")
        XCTAssertEqual(try XCTUnwrap(SummaryStatistics([2, 2])).confidenceInterval(level: 0.95), 2...2)
    }

    func testHolmAdjustmentByHand() {
        XCTAssertEqual(HolmCorrection.adjust([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
        XCTAssertEqual(HolmCorrection.adjust([0.5, 0.001]), [0.5, 0.002])
        XCTAssertEqual(HolmCorrection.adjust([0.6, 0.4]), [0.8, 0.8], "capped at 1 and monotone in rank")
        XCTAssertEqual(HolmCorrection.adjust([]), [])
    }

    func testPairedComparisonIsTheTTestOfTheDifferences() throws {
        // differences 0.10, 0.11, 0.09: mean 0.10, s = 0.01, T = 0.10 / (0.01/√3) = 10√3.
        let c = try XCTUnwrap(PairedComparison([(0.80, 0.70), (0.82, 0.71), (0.84, 0.75)]))
        XCTAssertEqual(c.differences.mean, 0.10, accuracy: 1e-15)
        XCTAssertEqual(c.differences.standardDeviation, 0.01, accuracy: 1e-15)
        let t = 10 * 3.0.squareRoot()
        // With 2 degrees of freedom P(T > t) = ½ (1 − t / √(2 + t²)), so p = 1 − t / √(2 + t²).
        XCTAssertEqual(try XCTUnwrap(c.pValue), 1 - t / (2 + t * t).squareRoot(), accuracy: 1e-15)
        let interval = try XCTUnwrap(c.interval(level: 0.95))
        XCTAssertEqual(interval.upperBound - 0.10, 4.302652729749464 * 0.01 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(MarkdownTable.difference(c, level: 0.95, decimals: 3), "+0.100 [+0.075, +0.125] p=0.003 (3)")
        XCTAssertEqual(try XCTUnwrap(PairedComparison([(1, 1), (2, 2)])).pValue, 1, "no difference, no spread")
        XCTAssertEqual(try XCTUnwrap(PairedComparison([(1, 0), (2, 1)])).pValue, 0, "a constant difference")
        XCTAssertNil(try XCTUnwrap(PairedComparison([(1, 0)])).pValue)
        XCTAssertNil(PairedComparison([(Double.nan, 0)]))
    }
}
