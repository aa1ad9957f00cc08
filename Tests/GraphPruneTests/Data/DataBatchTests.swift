import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO


final class DataBatchTests: XCTestCase {
    func testEveryIndexOnceWithAPartialLastBatch() {
        var iterator = BatchIterator(count: 23, batchSize: 5, seed: 3)
        XCTAssertEqual(iterator.batches, 5)
        for epoch in 0..<3 {
            iterator.startEpoch(epoch)
            var seen = [Int]()
            for b in 0..<iterator.batches {
                let indices = iterator.range(of: b)
                XCTAssertEqual(indices.count, b < 4 ? 5 : 3)
                XCTAssertEqual(iterator.size(of: b), indices.count)
                seen += indices
            }
            XCTAssertEqual(seen.sorted(), Array(0..<23))
        }
        XCTAssertEqual(BatchIterator(count: 20, batchSize: 5, seed: 0).batches, 4)
        XCTAssertEqual(BatchIterator(count: 0, batchSize: 5, seed: 0).batches, 0)
    }

    func testEpochsDifferAndSeedsReproduce() {
        var a = BatchIterator(count: 100, batchSize: 10, seed: 7)
        var b = BatchIterator(count: 100, batchSize: 10, seed: 7)
        var orders = [[Int]]()
        for epoch in 0..<4 {
            a.startEpoch(epoch)
            b.startEpoch(epoch)
            XCTAssertEqual(a.order, b.order)
            XCTAssertNotEqual(a.order, Array(0..<100))
            orders.append(a.order)
        }
        XCTAssertEqual(Set(orders).count, 4)
        // The order depends on (seed, epoch) only, not on the epochs started before.
        var c = BatchIterator(count: 100, batchSize: 10, seed: 7)
        c.startEpoch(2)
        XCTAssertEqual(c.order, orders[2])
        var d = BatchIterator(count: 100, batchSize: 10, seed: 8)
        d.startEpoch(2)
        XCTAssertNotEqual(d.order, orders[2])
    }

    func testShuffleIsRoughlyUniform() {
        // Where index 0 lands over many epochs: every position of 10 about equally often.
        var iterator = BatchIterator(count: 10, batchSize: 10, seed: 1)
        var counts = [Int](repeating: 0, count: 10)
        for epoch in 0..<5000 {
            iterator.startEpoch(epoch)
            counts[iterator.order.firstIndex(of: 0)!] += 1
        }
        for count in counts { XCTAssertEqual(Double(count), 500, accuracy: 100) }
    }

    func testGatherCopiesTheRightRows() {
        let data = DataFixtures.labeled(count: 9, features: 4, classes: 3)
        var features = Matrix<Float>(rows: 3, columns: 4, repeating: -1)
        var labels = [Int32](repeating: -1, count: 3)
        let indices = [8, 0, 4, 7][1...]  // a slice not starting at 0
        data.gather(indices, into: &features, labels: &labels)
        XCTAssertEqual(Array(features.row(0)), [0, 1, 2, 3])
        XCTAssertEqual(Array(features.row(1)), [400, 401, 402, 403])
        XCTAssertEqual(Array(features.row(2)), [700, 701, 702, 703])
        XCTAssertEqual(labels, [0, 1, 1])

        var iterator = BatchIterator(count: 9, batchSize: 4, seed: 2)
        iterator.startEpoch(1)
        var last = Matrix<Float>(rows: 1, columns: 4)
        var lastLabels: [Int32] = [0]
        data.gather(iterator.range(of: 2), into: &last, labels: &lastLabels)
        let i = iterator.order[8]
        XCTAssertEqual(Array(last.row(0)), Array(data.features.row(i)))
        XCTAssertEqual(lastLabels, [data.labels[i]])
    }

    func testSelectingMatchesGather() {
        let data = DataFixtures.labeled(count: 6, features: 2, classes: 2)
        let picked = data.selecting([5, 5, 1])
        XCTAssertEqual(picked.features.elements, [500, 501, 500, 501, 100, 101])
        XCTAssertEqual(picked.labels, [1, 1, 1])
    }
}
