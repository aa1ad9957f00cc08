import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class EigenvectorCentralityTests: XCTestCase {
    /// The reference: the top eigenvector of the dense adjacency from a full LAPACK
    /// decomposition, signed to sum positive.
    private func bruteForce(_ g: WeightedGraph) throws -> [Double] {
        let e = try SymmetricEigen.full(g.adjacency.dense())
        let v = e.eigenvector(g.nodeCount - 1)
        let sign: Double = v.reduce(0, +) < 0 ? -1 : 1
        return v.map { sign * $0 }
    }

    func testMatchesFullDecompositionOnConnectedGraphs() throws {
        for (n, p, seed) in [(40, 0.3, UInt64(1)), (300, 0.05, 2)] {  // LAPACK path, then ARPACK path
            let g = TestData.graph(n, p: p, seed: seed)
            XCTAssertEqual(g.components().count, 1)
            let s = try EigenvectorCentrality().centrality(of: g)
            XCTAssertClose(s.values, try bruteForce(g), tolerance: 1e-10, "n=\(n)")
            XCTAssertTrue(s.values.allSatisfy { $0 > 0 })
            XCTAssertEqual(s.diagnostics.components, 1)
            XCTAssertLessThan(s.diagnostics.residual!, 1e-9)
            if n > 128 { XCTAssertGreaterThan(s.diagnostics.iterations!, 0) }
        }
    }

    func testKnownSmallGraphs() throws {
        let star = try EigenvectorCentrality().centrality(of: TestData.star(4)).values
        XCTAssertClose(star, [1 / 2.0.squareRoot()] + Array(repeating: 1 / 8.0.squareRoot(), count: 4), tolerance: 1e-12)

        let n = 6
        let pathExpected = (1...n).map { sin(Double.pi * Double($0) / Double(n + 1)) }
        let norm = pathExpected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let path = try EigenvectorCentrality().centrality(of: TestData.path(n))
        XCTAssertClose(path.values, pathExpected.map { $0 / norm }, tolerance: 1e-12)
        XCTAssertEqual(path.diagnostics.leadingEigenvalue!, 2 * cos(Double.pi / 7), accuracy: 1e-12)

        let complete = try EigenvectorCentrality().centrality(of: TestData.complete(5)).values
        XCTAssertClose(complete, Array(repeating: 1 / 5.0.squareRoot(), count: 5), tolerance: 1e-12)
    }

    func testDisconnectedPolicy() throws {
        // Two disjoint triangles: λ₁ = λ₂ = 2, gap 0, both scored alike.
        let two = TestData.graph(6, [(0, 1, 1), (1, 2, 1), (0, 2, 1), (3, 4, 1), (4, 5, 1), (3, 5, 1)])
        let s = try EigenvectorCentrality().centrality(of: two)
        XCTAssertClose(s.values, Array(repeating: 1 / 6.0.squareRoot(), count: 6), tolerance: 1e-12)
        XCTAssertEqual(s.diagnostics.components, 2)
        XCTAssertEqual(s.diagnostics.spectralGap!, 0, accuracy: 1e-12)

        // A triangle, a single edge (λ = 1, half the triangle's) and an isolated node.
        let mixed = TestData.graph(6, [(0, 1, 1), (1, 2, 1), (0, 2, 1), (3, 4, 1)])
        let m = try EigenvectorCentrality().centrality(of: mixed).values
        let raw = Array(repeating: 1 / 3.0.squareRoot(), count: 3) + Array(repeating: 0.5 / 2.0.squareRoot(), count: 2) + [0]
        let rn = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertClose(m, raw.map { $0 / rn }, tolerance: 1e-12)
        XCTAssertFalse(m.contains { $0.isNaN })

        // No edges at all: every node alike, never NaN.
        let empty = try EigenvectorCentrality().centrality(of: TestData.graph(4, []))
        XCTAssertClose(empty.values, Array(repeating: 0.5, count: 4), tolerance: 0)
        XCTAssertEqual(empty.diagnostics.components, 4)
    }

    func testLargeStarBesideAHeavierComponent() throws {
        // A star has three distinct eigenvalues: its Krylov space is exhausted early, and ARPACK
        // restarts from a random vector. Solved on its own component it must still be exact.
        let leaves = 300
        var edges = (1...leaves).map { WeightedEdge(0, $0, 1) }
        edges += [WeightedEdge(301, 302, 100), WeightedEdge(302, 303, 100), WeightedEdge(301, 303, 100)]
        let s = try EigenvectorCentrality().centrality(of: WeightedGraph(EdgeList(nodeCount: 304, edges: edges), name: "t")).values
        let lambdaStar = Double(leaves).squareRoot(), lambdaTriangle = 200.0
        var raw = [1 / 2.0.squareRoot()] + Array(repeating: 1 / (2 * Double(leaves)).squareRoot(), count: leaves)
        raw = raw.map { $0 * lambdaStar / lambdaTriangle } + Array(repeating: 1 / 3.0.squareRoot(), count: 3)
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertClose(s, raw.map { $0 / norm }, tolerance: 1e-10)
    }

    func testLargeDisconnectedGraphUsesLanczosPerComponent() throws {
        // Two random components above the dense cutoff plus isolated nodes.
        let a = TestData.graph(150, p: 0.08, seed: 4), b = TestData.graph(140, p: 0.2, seed: 5)
        var edges = [WeightedEdge]()
        for u in 0..<150 { for (v, w) in zip(a.neighbors(of: u).nodes, a.neighbors(of: u).weights) where Int(v) > u { edges.append(WeightedEdge(u, Int(v), w)) } }
        for u in 0..<140 { for (v, w) in zip(b.neighbors(of: u).nodes, b.neighbors(of: u).weights) where Int(v) > u { edges.append(WeightedEdge(150 + u, 150 + Int(v), w)) } }
        let g = try WeightedGraph(EdgeList(nodeCount: 293, edges: edges), name: "t")
        let s = try EigenvectorCentrality().centrality(of: g)
        let la = try SymmetricEigen.full(a.adjacency.dense()), lb = try SymmetricEigen.full(b.adjacency.dense())
        let lambdaA = la.values.last!, lambdaB = lb.values.last!
        let lmax = max(lambdaA, lambdaB)
        func signed(_ v: [Double]) -> [Double] { let s: Double = v.reduce(0, +) < 0 ? -1 : 1; return v.map { s * $0 } }
        var raw = signed(la.eigenvector(149)).map { $0 * lambdaA / lmax } + signed(lb.eigenvector(139)).map { $0 * lambdaB / lmax } + [0, 0, 0]
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        raw = raw.map { $0 / norm }
        XCTAssertClose(s.values, raw, tolerance: 1e-9)
        XCTAssertEqual(s.diagnostics.components, 5)
        XCTAssertEqual(s.diagnostics.leadingEigenvalue!, lmax, accuracy: 1e-9)
    }
}
