import XCTest
@testable import GraphPruneExperiments

/// `SummaryStatistics` against hand-computed values.
final class ReportStatisticsTests: XCTestCase {
    func testThreeValuesByHand() throws {
        // mean 7/3; squared deviations 16/9 + 1/9 + 25/9 = 42/9; / (n − 1) = 7/3.
        let s = try XCTUnwrap(SummaryStatistics([1, 2, 4]))
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.mean, 7.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(s.standardDeviation, (7.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(s.minimum, 1)
        XCTAssertEqual(s.maximum, 4)
        XCTAssertEqual(s.excluded, 0)
        XCTAssertEqual(s.standardError, (7.0 / 9).squareRoot(), accuracy: 1e-15)
    }

    func testSampleNotPopulationDeviation() throws {
        // Σ (x − 5)² = 32 over 8 values: sample std sqrt(32/7), population std would be 2.
        let s = try XCTUnwrap(SummaryStatistics([2, 4, 4, 4, 5, 5, 7, 9]))
        XCTAssertEqual(s.mean, 5)
        XCTAssertEqual(s.standardDeviation, (32.0 / 7).squareRoot(), accuracy: 1e-14)
    }

    func testSingleValueHasZeroSpreadAndCountOne() throws {
        let s = try XCTUnwrap(SummaryStatistics([3.5]))
        XCTAssertEqual(s.count, 1)
        XCTAssertEqual(s.mean, 3.5)
        XCTAssertEqual(s.standardDeviation, 0)
        XCTAssertEqual(s.standardError, 0)
    }

    func testEmptyAndNonFiniteInput() throws {
        XCTAssertNil(SummaryStatistics([Double]()))
        XCTAssertNil(SummaryStatistics([.nan, .infinity, -.infinity]))
        let s = try XCTUnwrap(SummaryStatistics([1, .nan, 3, -.infinity]))
        XCTAssertEqual(s.count, 2)
        XCTAssertEqual(s.excluded, 2)
        XCTAssertEqual(s.mean, 2)
        XCTAssertEqual(s.standardDeviation, 2.0.squareRoot(), accuracy: 1e-15)
    }

    func testTwoPassIsExactForLargeOffsets() throws {
        // The one-pass formula loses every digit here; deviations −1, 0, 1 ⇒ std exactly 1.
        let s = try XCTUnwrap(SummaryStatistics([1e9 + 1, 1e9 + 2, 1e9 + 3]))
        XCTAssertEqual(s.mean, 1e9 + 2)
        XCTAssertEqual(s.standardDeviation, 1)
    }

    func testHugeValuesStayFinite() throws {
        let same = try XCTUnwrap(SummaryStatistics([1.5e308, 1.5e308]))
        XCTAssertEqual(same.mean, 1.5e308)
        XCTAssertEqual(same.standardDeviation, 0)
        let opposite = try XCTUnwrap(SummaryStatistics([1e308, -1e308]))
        XCTAssertEqual(opposite.mean, 0)
        XCTAssertEqual(opposite.standardDeviation, 2.0.squareRoot() * 1e308, accuracy: 1e293)
    }
}
