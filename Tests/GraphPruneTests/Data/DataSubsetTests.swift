import XCTest


final class DataSubsetTests: XCTestCase {
    func testRestrictedKeepsAndRelabelsInTheGivenOrder() {
        let data = DataFixtures.labeled(count: 12, features: 3, classes: 4)  // labels 0 1 2 3 0 1 2 3 …
        let subset = data.restricted(toClasses: [3, 1])
        XCTAssertEqual(subset.classCount, 2)
        XCTAssertEqual(subset.count, 6)
        XCTAssertEqual(subset.labels, [1, 0, 1, 0, 1, 0])  // samples 1, 3, 5, 7, 9, 11
        XCTAssertEqual(subset.features.column(0), [100, 300, 500, 700, 900, 1100])
        XCTAssertEqual(subset.shape, data.shape)
    }

    func testFewShotTakesKOfEveryClassDeterministically() {
        let data = DataFixtures.labeled(count: 40, features: 2, classes: 4)
        let shots = data.fewShot(perClass: 3, seed: 11)
        XCTAssertEqual(shots.count, 12)
        XCTAssertEqual(shots.classSizes, [3, 3, 3, 3])
        XCTAssertEqual(shots.classCount, 4)
        // Rows are original samples (feature 0 = index · 100), in increasing index order.
        let indices = shots.features.column(0).map { Int($0) / 100 }
        XCTAssertEqual(indices, indices.sorted())
        XCTAssertEqual(Set(indices).count, 12)
        for (k, i) in indices.enumerated() { XCTAssertEqual(Int(shots.labels[k]), i % 4) }

        let again = data.fewShot(perClass: 3, seed: 11)
        XCTAssertEqual(again.features, shots.features)
        XCTAssertEqual(again.labels, shots.labels)
        let other = data.fewShot(perClass: 3, seed: 12)
        XCTAssertNotEqual(other.features, shots.features)
    }

    func testFewShotOfASmallClassTakesAllItHas() {
        let data = DataFixtures.labeled(count: 5, features: 1, classes: 3)  // class sizes 2, 2, 1
        let shots = data.fewShot(perClass: 2, seed: 1)
        XCTAssertEqual(shots.classSizes, [2, 2, 1])
        XCTAssertEqual(data.fewShot(perClass: 0, seed: 1).count, 0)
    }

    func testFewShotDrawsEverySampleSometimes() {
        let data = DataFixtures.labeled(count: 20, features: 1, classes: 2)
        var seen = Set<Float>()
        for seed: UInt64 in 0..<40 { seen.formUnion(data.fewShot(perClass: 2, seed: seed).features.elements) }
        XCTAssertEqual(seen.count, 20)
    }
}
