import XCTest
@testable import GraphPruneIO


final class DataSyntheticTests: XCTestCase {
    func testShapesAndBalance() {
        let split = SyntheticClassification.make(classes: 4, features: 7, trainCount: 103, testCount: 21, seed: 5)
        XCTAssertEqual(split.train.count, 103)
        XCTAssertEqual(split.test.count, 21)
        XCTAssertEqual(split.train.features.rows, 103)
        XCTAssertEqual(split.train.features.columns, 7)
        XCTAssertEqual(split.train.shape, ImageShape(channels: 1, height: 1, width: 7))
        XCTAssertEqual(split.train.classCount, 4)
        XCTAssertEqual(split.train.classSizes, [26, 26, 26, 25])
        XCTAssertNil(split.train.features.firstNonFinite())
    }

    func testSameSeedSameDataOtherSeedOtherData() {
        let a = SyntheticClassification.make(seed: 42)
        let b = SyntheticClassification.make(seed: 42)
        let c = SyntheticClassification.make(seed: 43)
        XCTAssertEqual(a.train.features, b.train.features)
        XCTAssertEqual(a.train.labels, b.train.labels)
        XCTAssertEqual(a.test.features, b.test.features)
        XCTAssertNotEqual(a.train.features, c.train.features)
    }

    /// The nearest-class-mean rule (what a linear model can learn) beats chance by far and is
    /// not perfect: the clusters overlap.
    func testSeparableButNotTrivially() {
        for seed: UInt64 in [1, 2, 3] {
            let split = SyntheticClassification.make(seed: seed)
            let accuracy = nearestMeanAccuracy(split)
            XCTAssertGreaterThan(accuracy, 0.6, "seed \(seed)")
            XCTAssertLessThan(accuracy, 0.97, "seed \(seed)")
        }
    }

    private func nearestMeanAccuracy(_ split: DataSplit) -> Double {
        let f = split.train.features.columns
        let k = split.train.classCount
        var means = [Double](repeating: 0, count: k * f)
        for i in 0..<split.train.count {
            let c = Int(split.train.labels[i])
            for j in 0..<f { means[c * f + j] += Double(split.train.features[i, j]) }
        }
        let sizes = split.train.classSizes
        for c in 0..<k { for j in 0..<f { means[c * f + j] /= Double(sizes[c]) } }
        var correct = 0
        for i in 0..<split.test.count {
            let distances = (0..<k).map { c in
                (0..<f).reduce(0.0) { sum, j in
                    let d = Double(split.test.features[i, j]) - means[c * f + j]
                    return sum + d * d
                }
            }
            if distances.firstIndex(of: distances.min()!) == Int(split.test.labels[i]) { correct += 1 }
        }
        return Double(correct) / Double(split.test.count)
    }
}
