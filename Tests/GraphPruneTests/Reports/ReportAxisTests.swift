import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneExperiments

/// `PlotAxis`: 1-2-5 ticks, padding of degenerate ranges, logarithmic placement.
final class ReportAxisTests: XCTestCase {
    private func labels(_ axis: PlotAxis) -> [String] { axis.ticks.map(\.label) }

    func testNiceStep() {
        let cases: [(Double, Double)] = [(0.17, 0.2), (0.3, 0.5), (0.7, 1), (1, 1), (2.1, 5), (12, 20), (0.05, 0.05)]
        for (raw, expected) in cases {
            let step = PlotAxis.niceStep(for: raw)
            XCTAssertEqual(PlotAxis.value(step.mantissa, step.exponent), expected, accuracy: expected * 1e-12, "\(raw)")
        }
    }

    func testLinearTicksByHand() {
        let accuracy = PlotAxis(scale: .linear, range: 0.84...0.88)
        XCTAssertEqual(labels(accuracy), ["0.84", "0.85", "0.86", "0.87", "0.88"])
        let unit = PlotAxis(scale: .linear, range: 0.03...0.97)
        XCTAssertEqual(labels(unit), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(unit.lower, 0)
        XCTAssertEqual(unit.upper, 1, accuracy: 1e-15)
        let negative = PlotAxis(scale: .linear, range: -3...7)
        XCTAssertEqual(labels(negative), ["-4", "-2", "0", "2", "4", "6", "8"])
        XCTAssertEqual(PlotAxis(scale: .linear, range: 80...90, includeZero: true).lower, 0)
    }

    func testDegenerateRangesArePadded() {
        let equal = PlotAxis(scale: .linear, range: 5...5)
        XCTAssertLessThan(equal.lower, 5)
        XCTAssertGreaterThan(equal.upper, 5)
        XCTAssertEqual(labels(equal), ["4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"])
        let zero = PlotAxis(scale: .linear, range: 0...0)
        XCTAssertEqual(zero.lower, -1)
        XCTAssertEqual(zero.upper, 1)
        XCTAssertEqual(PlotAxis(scale: .linear, range: 0...0, includeZero: true).lower, 0)
        let empty = PlotAxis(scale: .linear, range: nil)
        XCTAssertEqual([empty.lower, empty.upper], [0, 1])
        let logPoint = PlotAxis(scale: .logarithmic, range: 0.1...0.1)
        XCTAssertEqual([logPoint.lower, logPoint.upper], [0.05, 0.2])
    }

    func testRandomRangesGiveNiceTicks() {
        var generator = SplitMix64(seed: 5)
        for trial in 0..<300 {
            let scale = pow(10, Double(Int(generator.next() % 12)) - 6)
            let a = (generator.nextUnitDouble() - 0.5) * scale
            let b = a + generator.nextUnitDouble() * scale
            let axis = PlotAxis(scale: .linear, range: a...b)
            XCTAssertLessThanOrEqual(axis.lower, a, "trial \(trial)")
            XCTAssertGreaterThanOrEqual(axis.upper, b, "trial \(trial)")
            XCTAssert((3...9).contains(axis.ticks.count), "trial \(trial): \(axis.ticks.count) ticks")
            let step = axis.ticks[1].value - axis.ticks[0].value
            let mantissa = step / pow(10, log10(step).rounded(.down))
            XCTAssert([1, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }, "trial \(trial): step \(step)")
            for tick in axis.ticks {
                let k = tick.value / step
                XCTAssertEqual(k, k.rounded(), accuracy: 1e-6, "trial \(trial)")
                XCTAssertEqual(Double(tick.label)!, tick.value, accuracy: step * 1e-6, "trial \(trial)")
            }
        }
    }

    func testLogTicksForDensities() {
        let axis = PlotAxis(scale: .logarithmic, range: 0.01...0.5)
        XCTAssertEqual(labels(axis), ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5"])
        XCTAssertEqual(axis.fraction(of: 0.01), 0, accuracy: 1e-15)
        XCTAssertEqual(axis.fraction(of: 0.5), 1, accuracy: 1e-15)
        XCTAssertEqual(axis.fraction(of: 0.1), 1 / log10(50), accuracy: 1e-12)
        let widened = PlotAxis(scale: .logarithmic, range: 0.003...0.4)
        XCTAssertEqual(labels(widened), ["0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"])
    }

    func testLogTicksOverManyDecades() {
        let six = PlotAxis(scale: .logarithmic, range: 1...1e6)
        XCTAssertEqual(labels(six), ["1", "10", "100", "1000", "10000", "100000", "1000000"])
        let wide = PlotAxis(scale: .logarithmic, range: 1e-9...1e9)
        XCTAssertEqual(labels(wide), ["1e-9", "0.000001", "0.001", "1", "1000", "1000000", "1e9"])
    }

    func testCanShow() {
        XCTAssertTrue(PlotAxis.canShow(-3, on: .linear))
        XCTAssertFalse(PlotAxis.canShow(-3, on: .logarithmic))
        XCTAssertFalse(PlotAxis.canShow(0, on: .logarithmic))
        XCTAssertFalse(PlotAxis.canShow(.nan, on: .linear))
        XCTAssertFalse(PlotAxis.canShow(.infinity, on: .linear))
    }
}
