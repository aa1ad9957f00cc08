import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO


final class DataStandardizationTests: XCTestCase {
    func testTrainingSetGetsMeanZeroAndStdOne() {
        var split = SyntheticClassification.make(classes: 3, features: 9, trainCount: 300, testCount: 50, seed: 8)
        // Shift and scale the features so the statistics are far from 0 and 1.
        for i in split.train.features.elements.indices { split.train.features.elements[i] = split.train.features.elements[i] * 3 + 5 }
        let standardization = Standardization(fitting: split.train)
        XCTAssertEqual(standardization.mean.count, 9)
        standardization.apply(to: &split.train)
        let after = Standardization(fitting: split.train)
        for j in 0..<9 {
            XCTAssertEqual(after.mean[j], 0, accuracy: 1e-5)
            XCTAssertEqual(after.std[j], 1, accuracy: 1e-5)
        }
    }

    func testPopulationStatisticsAndConstantFeature() {
        // Feature 0: 1, 2, 3, 4 (mean 2.5, population variance 1.25); feature 1 constant 7.
        let data = LabeledData(
            features: Matrix(rows: 4, columns: 2, elements: [1, 7, 2, 7, 3, 7, 4, 7]), labels: [0, 1, 0, 1],
            shape: .vector(2), classCount: 2)
        let standardization = Standardization(fitting: data)
        XCTAssertEqual(standardization.mean, [2.5, 7])
        XCTAssertEqual(standardization.std[0], Float(1.25.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(standardization.std[1], 1)
        let standardized = standardization.applied(to: data)
        XCTAssertEqual(standardized.features.column(1), [0, 0, 0, 0])
        XCTAssertEqual(standardized.features[0, 0], -1.5 / Float(1.25.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(standardized.labels, data.labels)
    }

    func testTestSetUsesTheTrainingStatistics() {
        let train = LabeledData(features: Matrix(rows: 2, columns: 1, elements: [0, 2]), labels: [0, 0], shape: .vector(1), classCount: 1)
        var test = LabeledData(features: Matrix(rows: 1, columns: 1, elements: [3]), labels: [0], shape: .vector(1), classCount: 1)
        Standardization(fitting: train).apply(to: &test)
        XCTAssertEqual(test.features.elements, [2])  // (3 − 1) / 1
    }
}
