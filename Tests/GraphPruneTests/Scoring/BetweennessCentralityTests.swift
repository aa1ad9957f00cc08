import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

/// Betweenness against its definition: all-pairs shortest paths (Floyd–Warshall), path counts,
/// and `σ_st(v) = σ_sv σ_vt` when `v` lies on a shortest `s`–`t` path.
final class BetweennessCentralityTests: XCTestCase {
    /// The definition, `Σ_{s<t, s,t ≠ v} σ_st(v)/σ_st`, with integer lengths so that sums are exact.
    private func bruteForce(_ n: Int, _ edges: [(Int, Int, Double)], weighted: Bool) -> [Double] {
        var d = [[Double]](repeating: [Double](repeating: .infinity, count: n), count: n)
        for i in 0..<n { d[i][i] = 0 }
        for (u, v, w) in edges { d[u][v] = weighted ? w : 1; d[v][u] = weighted ? w : 1 }
        for k in 0..<n { for i in 0..<n { for j in 0..<n where d[i][k] + d[k][j] < d[i][j] { d[i][j] = d[i][k] + d[k][j] } } }
        // σ_st by dynamic programming over nodes in order of distance from s.
        var sigma = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for s in 0..<n {
            sigma[s][s] = 1
            for t in (0..<n).sorted(by: { d[s][$0] < d[s][$1] }) where t != s && d[s][t] < .infinity {
                for (u, v, w) in edges {
                    let length = weighted ? w : 1
                    if v == t && d[s][u] + length == d[s][t] { sigma[s][t] += sigma[s][u] }
                    if u == t && d[s][v] + length == d[s][t] { sigma[s][t] += sigma[s][v] }
                }
            }
        }
        return (0..<n).map { v in
            var b = 0.0
            for s in 0..<n { for t in (s + 1)..<n where s != v && t != v && d[s][t] < .infinity && d[s][v] + d[v][t] == d[s][t] {
                b += sigma[s][v] * sigma[v][t] / sigma[s][t]
            } }
            return b
        }
    }

    func testBetweennessIsItsDefinition() throws {
        var g = SplitMix64(seed: 11)
        for trial in 0..<6 {
            let n = 9 + trial
            var edges = [(Int, Int, Double)]()
            for i in 0..<n { for j in (i + 1)..<n where g.nextUnitDouble() < 0.35 { edges.append((i, j, Double(1 + g.next() % 3))) } }
            let graph = TestData.graph(n, edges)
            for weighted in [true, false] {
                let scores = try BetweennessCentrality(weighted: weighted).centrality(of: graph).values
                XCTAssertClose(scores, bruteForce(n, edges, weighted: weighted), tolerance: 1e-9, "trial \(trial) weighted \(weighted)")
                let normalized = try BetweennessCentrality(weighted: weighted, normalized: true).centrality(of: graph).values
                XCTAssertClose(normalized, scores.map { 2 * $0 / Double((n - 1) * (n - 2)) }, tolerance: 1e-12)
            }
        }
    }

    func testKnownGraphsAndBadLengths() throws {
        // A star's centre lies on every path between two leaves: C(5, 2) = 10; a path's middle.
        XCTAssertEqual(try BetweennessCentrality().centrality(of: TestData.star(5)).values, [10, 0, 0, 0, 0, 0])
        XCTAssertEqual(try BetweennessCentrality().centrality(of: TestData.path(4)).values, [0, 2, 2, 0])
        XCTAssertEqual(try BetweennessCentrality().centrality(of: TestData.complete(5)).values, [0, 0, 0, 0, 0])
        let negative = TestData.graph(3, [(0, 1, 1), (1, 2, -1)])
        XCTAssertThrowsError(try BetweennessCentrality().centrality(of: negative)) { XCTAssertTrue("\($0)".contains("edge length -1.0"), "\($0)") }
        XCTAssertNoThrow(try BetweennessCentrality(weighted: false).centrality(of: negative))
    }
}
