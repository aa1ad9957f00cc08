import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class LaplacianCentralityTests: XCTestCase {
    /// Σλ² of L = D − A from an explicit eigendecomposition.
    private func energyFromEigenvalues(_ g: WeightedGraph) throws -> Double {
        guard g.nodeCount > 0 else { return 0 }
        let a = g.adjacency.dense()
        let d = g.degrees()
        var l = Matrix<Double>(rows: g.nodeCount, columns: g.nodeCount)
        for i in 0..<g.nodeCount { for j in 0..<g.nodeCount { l[i, j] = (i == j ? d[i] : 0) - a[i, j] } }
        return try SymmetricEigen.full(l, vectors: false).values.reduce(0) { $0 + $1 * $1 }
    }

    private func bruteForce(_ g: WeightedGraph, normalized: Bool) throws -> [Double] {
        let total = try energyFromEigenvalues(g)
        return try (0..<g.nodeCount).map { v in
            let drop = total - (try energyFromEigenvalues(g.induced(by: (0..<g.nodeCount).filter { $0 != v })))
            return normalized ? drop / total : drop
        }
    }

    func testMatchesEnergyDropFromExplicitEigenvalues() throws {
        for signed in [false, true] {
            let g = TestData.graph(14, p: 0.4, seed: 21, signed: signed)
            for normalized in [false, true] {
                let s = try LaplacianCentrality(normalized: normalized).centrality(of: g).values
                XCTAssertClose(s, try bruteForce(g, normalized: normalized), tolerance: 1e-9, "signed=\(signed) normalized=\(normalized)")
            }
            let abs = try LaplacianCentrality(absoluteWeights: true).centrality(of: g).values
            XCTAssertClose(abs, try bruteForce(g.absoluteWeights(), normalized: false), tolerance: 1e-9)
            XCTAssertEqual(LaplacianCentrality.energy(of: g), try energyFromEigenvalues(g), accuracy: 1e-9)
        }
    }

    func testKnownSmallGraphs() throws {
        // Unweighted closed form: d_v² + d_v + 2 Σ_{u∼v} d_u.
        let hub: Double = 16 + 4 + 8, leaf: Double = 1 + 1 + 8
        XCTAssertEqual(try LaplacianCentrality().centrality(of: TestData.star(4)).values, [hub, leaf, leaf, leaf, leaf])
        let end: Double = 1 + 1 + 4, inner: Double = 4 + 2 + 6
        XCTAssertEqual(try LaplacianCentrality().centrality(of: TestData.path(4)).values, [end, inner, inner, end])
        let k4: Double = 9 + 3 + 18
        XCTAssertEqual(try LaplacianCentrality().centrality(of: TestData.complete(4)).values, [k4, k4, k4, k4])
        let triangles = TestData.graph(6, [(0, 1, 1), (1, 2, 1), (0, 2, 1), (3, 4, 1), (4, 5, 1), (3, 5, 1)])
        XCTAssertEqual(try LaplacianCentrality(normalized: true).centrality(of: triangles).values, Array(repeating: 14.0 / 36, count: 6))
        XCTAssertEqual(try LaplacianCentrality(normalized: true).centrality(of: TestData.graph(3, [])).values, [0, 0, 0])
    }

    /// NetworKit ≤ 11.2 on the forward-directed graph, written out from its definition.
    private func legacyBruteForce(_ g: WeightedGraph) -> [Double] {
        let a = g.adjacency.dense(), n = g.nodeCount
        let out = (0..<n).map { u in ((u + 1)..<max(n, u + 1)).reduce(0.0) { $0 + a[u, $1] } }
        return (0..<n).map { u in
            let t = Double(Int(out[u]))  // the C++ unsigned store truncates toward zero
            return t * t + ((u + 1)..<max(n, u + 1)).reduce(0.0) { $0 + a[u, $1] * (a[u, $1] + 2 * out[$1]) }
        }
    }

    func testNetworkitLegacyVariant() throws {
        var gen = SplitMix64(seed: 8)
        let w0 = Matrix(rows: 5, columns: 6, elements: (0..<30).map { _ in gen.nextUnitDouble() * 1.5 - 0.5 })
        let w1 = Matrix(rows: 3, columns: 5, elements: (0..<15).map { _ in gen.nextUnitDouble() * 1.5 - 0.5 })
        let net = try LayeredGraph(layers: [w0, w1], weighting: .signed)
        let legacy = LaplacianCentrality(variant: .networkitLegacy)
        let s = try legacy.centrality(of: net.graph).values
        XCTAssertClose(s, legacyBruteForce(net.graph), tolerance: 1e-12)
        XCTAssertEqual(Array(s.suffix(3)), [0, 0, 0])  // the last block has no out-edges
        // Fractional degrees make it differ from the undirected definition.
        let standard = try LaplacianCentrality().centrality(of: net.graph).values
        XCTAssertGreaterThan(zip(s, standard).map { abs($0 - $1) }.max()!, 0.1)
        XCTAssertEqual(legacy.name, "laplacian-networkit-legacy")
    }
}
