import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

/// LAMP scores against their definition, and what a global threshold on them does.
final class LAMPEdgeScorerTests: XCTestCase {
    func testScoresAreTheSquaredWeightOverTheEnergyOfTheLargerOnes() throws {
        let w = Matrix<Double>(rows: 2, columns: 3, elements: [0.5, -2, 1, 0, -1, 3])
        let s = try LAMPEdgeScorer().scores(layers: [w])[0]
        // Sorted by magnitude, ties row-major: 0, 0.5, 1 (entry 2), −1 (entry 4), −2, 3.
        // Energies from each on: 15.25, 15.25, 15, 14, 13, 9.
        let expected = [0.25 / 15.25, 4.0 / 13, 1.0 / 15, 0, 1.0 / 14, 1]
        for (a, e) in zip(s.elements, expected) { XCTAssertEqual(a, e, accuracy: 1e-15) }
        // Brute force on a random layer: every score by its definition.
        let r = TestData.matrix(7, 9, seed: 3)
        let scores = try LAMPEdgeScorer().scores(layers: [r])[0]
        for i in r.elements.indices {
            let u = r.elements[i] * r.elements[i]
            let larger = r.elements.indices.filter { j in
                let v = r.elements[j] * r.elements[j]
                return v > u || (v == u && j >= i)
            }.map { r.elements[$0] * r.elements[$0] }.reduce(0, +)
            XCTAssertEqual(scores.elements[i], u / larger, accuracy: 1e-14)
        }
    }

    /// Globally thresholded LAMP scores keep every layer's largest weight: a small layer whose
    /// weights are all smaller than the big layer's is not emptied, as it is by magnitude.
    func testAGlobalThresholdNeverEmptiesALayer() throws {
        let big = TestData.matrix(20, 20, seed: 4)
        let small = Matrix<Double>(rows: 2, columns: 2, elements: [0.001, -0.002, 0.0015, 0.0005])
        for (scorer, emptied) in [("magnitude", true), ("lamp", false)] {
            let sparsifier = NetworkSparsifier(method: .greedy, density: 0.1, global: true, seed: 0, scorer: try EdgeScorerRegistry.standard.make(scorer))
            let results = try sparsifier.sparsify(layers: [big, small], candidateMasks: nil, inputGroupSizes: [1, 1])
            XCTAssertEqual(results[1].kept == 0, emptied, scorer)
            XCTAssertEqual(results.map(\.kept).reduce(0, +), 40, scorer)
        }
    }
}
