import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class EigenSolverTests: XCTestCase {
    func testFullDecompositionReconstructsTheMatrix() throws {
        let a = TestData.symmetric(12, seed: 7)
        let e = try SymmetricEigen.full(a)
        XCTAssertEqual(e.values, e.values.sorted())
        for k in 0..<12 {
            let v = e.eigenvector(k)
            XCTAssertClose(a.applied(to: v), v.map { $0 * e.values[k] }, tolerance: 1e-10)
            XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12)
        }
    }

    func testSelectedEigenpairsMatchTheFullSpectrum() throws {
        let a = TestData.symmetric(15, seed: 8)
        let full = try SymmetricEigen.full(a, vectors: false)
        let top = try SymmetricEigen.selected(a, indices: 13...14)
        XCTAssertClose(top.values, Array(full.values[13...14]), tolerance: 1e-10)
        XCTAssertThrowsError(try SymmetricEigen.selected(a, indices: 14...15))
        XCTAssertThrowsError(try SymmetricEigen.full(Matrix(rows: 2, columns: 3)))
    }

    func testLanczosMatchesLAPACKAtBothEnds() throws {
        let a = TestData.symmetric(80, seed: 9)
        let full = try SymmetricEigen.full(a)
        let top = try Lanczos(count: 3, target: .largestAlgebraic).solve(a)
        XCTAssertClose(top.values, Array(full.values[77...79]), tolerance: 1e-9)
        let bottom = try Lanczos(count: 2, target: .smallestAlgebraic).solve(a)
        XCTAssertClose(bottom.values, Array(full.values[0...1]), tolerance: 1e-9)
        XCTAssertLessThan(top.maxResidual, 1e-8)
        XCTAssertGreaterThan(top.products, 0)
        // Same eigenvector up to sign.
        let v = top.vectors[2], w = full.eigenvector(79)
        XCTAssertEqual(abs(zip(v, w).reduce(0) { $0 + $1.0 * $1.1 }), 1, accuracy: 1e-9)
    }

    func testLanczosOnSparseBipartiteSpectrum() throws {
        // A bipartite graph has a spectrum symmetric about 0: power iteration oscillates, Lanczos not.
        var g = SplitMix64(seed: 3)
        let b = (0..<(30 * 20)).map { _ in g.nextUnitDouble() }
        let weights = Matrix(rows: 20, columns: 30, elements: b)
        let graph = try LayeredGraph(layers: [weights]).graph
        let full = try SymmetricEigen.full(graph.adjacency.dense(), vectors: false)
        let top = try Lanczos(count: 1, target: .largestAlgebraic).solve(graph.adjacency)
        XCTAssertEqual(top.values[0], full.values.last!, accuracy: 1e-9)
        XCTAssertEqual(full.values.first!, -full.values.last!, accuracy: 1e-9)
    }

    func testLanczosErrorsAreTyped() {
        let a = TestData.symmetric(10, seed: 1)
        XCTAssertThrowsError(try Lanczos(count: 10).solve(a)) { error in
            guard case NumericalError.invalidInput = error else { return XCTFail("\(error)") }
        }
        // One restart is not enough to converge 4 interior-heavy eigenpairs of a large random matrix.
        let big = TestData.symmetric(400, seed: 2)
        XCTAssertThrowsError(try Lanczos(count: 4, target: .smallestMagnitude, maxIterations: 1, basisSize: 9).solve(big)) { error in
            guard case NumericalError.noConvergence = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("did not converge"))
        }
    }

    func testLanczosIsReproducible() throws {
        let a = TestData.symmetric(60, seed: 4)
        let r1 = try Lanczos(count: 1).solve(a), r2 = try Lanczos(count: 1).solve(a)
        XCTAssertEqual(r1.vectors, r2.vectors)
    }
}
