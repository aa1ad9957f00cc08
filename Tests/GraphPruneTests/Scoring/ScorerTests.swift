import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class ScorerTests: XCTestCase {
    func testRankingBreaksTiesByIndexAndPrunesTheFloor() {
        let s = NodeScores(values: [0.5, 0.9, 0.5, 0.1, 0.9], diagnostics: ScoreDiagnostics(nodes: 5))
        XCTAssertEqual(s.ranking(), [1, 4, 0, 2, 3])
        XCTAssertEqual(s.ranks(), [2, 0, 3, 4, 1])
        XCTAssertEqual(s.keptMask(pruneRatio: 0.5), [true, true, false, false, true])  // floor(2.5) = 2
        XCTAssertEqual(s.keptMask(pruneRatio: 0), Array(repeating: true, count: 5))
    }

    func testDegreeIsStrength() throws {
        let g = TestData.graph(3, [(0, 1, 0.5), (1, 2, 2)])
        XCTAssertEqual(try DegreeCentrality().centrality(of: g).values, [0.5, 2.5, 2])
        XCTAssertEqual(try DegreeCentrality(normalized: true).centrality(of: g).values, [0.25, 1.25, 1])
    }

    func testMagnitudeNorms() throws {
        let w = Matrix<Float>([[3, -4], [1, 1], [0, 0]])
        XCTAssertClose(try MagnitudeScorer(norm: .l2).scores(neurons: w).values, [5, 2.0.squareRoot(), 0], tolerance: 1e-6)
        XCTAssertEqual(try MagnitudeScorer(norm: .l1).scores(neurons: w).values, [7, 2, 0])
    }

    func testRandomControlIsSeeded() throws {
        let w = Matrix<Float>(rows: 50, columns: 3)
        let a = try RandomScorer(seed: 1).scores(neurons: w).values
        XCTAssertEqual(a, try RandomScorer(seed: 1).scores(neurons: w).values)
        XCTAssertNotEqual(a, try RandomScorer(seed: 2).scores(neurons: w).values)
        XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    func testSimilarityScorerIsCentralityOfTheSimilarityGraph() throws {
        let w = TestData.matrix(25, 10, seed: 17)
        var options = ScorerOptions()
        options.tau = 0.1
        let scorer = try ScorerRegistry.standard.make("eigenvector", options: options)
        let direct = try EigenvectorCentrality().centrality(of: NeuronSimilarityGraph.build(neurons: w, tau: 0.1))
        XCTAssertEqual(try scorer.scores(neurons: w), direct)
        XCTAssertEqual(scorer.name, "eigenvector")
    }

    func testRegistryNamesAndErrors() {
        let registry = ScorerRegistry.standard
        XCTAssertEqual(registry.names, ["eigenvector", "laplacian", "degree", "magnitude", "random"])
        XCTAssertThrowsError(try registry.make("pagerank")) {
            XCTAssertTrue("\($0)".contains("unknown scorer 'pagerank'"))
        }
        for bad in [1.0, -1.5, .nan] {
            var o = ScorerOptions()
            o.tau = bad
            XCTAssertThrowsError(try registry.make("eigenvector", options: o)) { XCTAssertTrue("\($0)".contains("--tau")) }
        }
        let extended = registry.registering("constant") { _ in MagnitudeScorer(norm: .l1) }
        XCTAssertEqual(extended.names.last, "constant")
    }
}
