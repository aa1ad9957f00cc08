import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class ApproximateEffectiveResistanceTests: XCTestCase {
    // MARK: Exact reference

    /// The dense Laplacian `L = D − A`.
    private func denseLaplacian(_ graph: WeightedGraph) -> Matrix<Double> {
        var l = graph.adjacency.dense()
        let d = graph.degrees()
        for i in 0..<graph.nodeCount {
            for j in 0..<graph.nodeCount { l[i, j] = -l[i, j] }
            l[i, i] = d[i]
        }
        return l
    }

    /// `L⁺ = Σ_{λ > 1e-9 λmax} v vᵀ / λ` from the full eigendecomposition.
    private func pseudoInverse(_ graph: WeightedGraph) throws -> Matrix<Double> {
        let n = graph.nodeCount
        let eigen = try SymmetricEigen.full(denseLaplacian(graph))
        let cutoff = 1e-9 * (eigen.values.last ?? 0)
        var p = Matrix<Double>(rows: n, columns: n)
        for (k, lambda) in eigen.values.enumerated() where lambda > cutoff {
            let v = eigen.eigenvector(k)
            for i in 0..<n { for j in 0..<n { p[i, j] += v[i] * v[j] / lambda } }
        }
        return p
    }

    /// Exact `Reff` per stored adjacency entry.
    private func exactResistances(_ graph: WeightedGraph) throws -> [Double] {
        let p = try pseudoInverse(graph)
        let a = graph.adjacency
        var r = [Double](repeating: 0, count: a.storedCount)
        for u in 0..<a.rows {
            for k in a.rowStarts[u]..<a.rowStarts[u + 1] {
                let v = Int(a.columnIndices[k])
                r[k] = p[u, u] + p[v, v] - 2 * p[u, v]
            }
        }
        return r
    }

    /// `Σ_e w_e Reff(e)` over undirected edges (each is stored twice).
    private func fosterSum(_ graph: WeightedGraph, _ values: [Double]) -> Double {
        zip(graph.adjacency.values, values).map { $0 * $1 }.reduce(0, +) / 2
    }

    private func relativeErrors(_ approx: [Double], _ exact: [Double]) -> [Double] {
        zip(approx, exact).map { abs($0 - $1) / $1 }
    }

    /// Two random components on 0..<30 and 30..<55 plus isolated nodes 55..<60.
    private func disconnectedGraph() -> WeightedGraph {
        let a = TestData.graph(30, p: 0.25, seed: 11)
        let b = TestData.graph(25, p: 0.3, seed: 12)
        var edges = [(Int, Int, Double)]()
        for (g, offset) in [(a, 0), (b, 30)] {
            for u in 0..<g.nodeCount {
                let (nbrs, ws) = g.neighbors(of: u)
                for (v, w) in zip(nbrs, ws) where Int(v) > u { edges.append((u + offset, Int(v) + offset, w)) }
            }
        }
        return TestData.graph(60, edges)
    }

    // MARK: Accuracy

    func testLargeDimensionMatchesDensePseudoInverse() throws {
        let graph = TestData.graph(60, p: 0.15, seed: 3)
        XCTAssertEqual(graph.components().count, 1)
        let result = try ApproximateEffectiveResistance(dimension: 2000, seed: 7).resistances(of: graph)
        let exact = try exactResistances(graph)
        XCTAssertEqual(result.values.count, graph.adjacency.storedCount)
        XCTAssertEqual(result.dimension, 2000)
        XCTAssertEqual(result.components, 1)
        XCTAssertLessThanOrEqual(result.maxRelativeResidual, 1e-8)
        let errors = relativeErrors(result.values, exact)
        let worst = errors.max()!, mean = errors.reduce(0, +) / Double(errors.count)
        print("k = 2000, n = 60, m = \(graph.edgeCount): max relative error \(worst), mean \(mean), CG iterations \(result.totalIterations)")
        XCTAssertLessThan(worst, 0.2)
        XCTAssertLessThan(mean, 0.05)
    }

    func testBothDirectionsOfAnEdgeAgree() throws {
        let graph = TestData.graph(40, p: 0.2, seed: 5)
        let values = try ApproximateEffectiveResistance(dimension: 100).resistances(of: graph).values
        let a = graph.adjacency
        for u in 0..<a.rows {
            for k in a.rowStarts[u]..<a.rowStarts[u + 1] {
                let v = Int(a.columnIndices[k])
                let back = a.rowStarts[v] + a.columnIndices[a.rowStarts[v]..<a.rowStarts[v + 1]].firstIndex(of: Int32(u))! - a.rowStarts[v]
                XCTAssertEqual(values[k], values[back])
            }
        }
    }

    func testDefaultDimensionSatisfiesFostersTheorem() throws {
        let graph = TestData.graph(120, p: 0.08, seed: 21)
        let options = ApproximateEffectiveResistance()
        let result = try options.resistances(of: graph)
        XCTAssertEqual(result.dimension, Int((24 * log(120.0) / 0.09).rounded(.up)))
        let target = Double(graph.nodeCount - result.components)
        let foster = fosterSum(graph, result.values)
        let exactFoster = fosterSum(graph, try exactResistances(graph))
        print("Foster (k = \(result.dimension), n = 120, c = \(result.components)): approx \(foster), exact \(exactFoster), target \(target)")
        XCTAssertEqual(exactFoster, target, accuracy: 1e-6 * target)
        XCTAssertEqual(foster, target, accuracy: 0.03 * target)
    }

    func testTreeResistancesAreInverseWeights() throws {
        // On a tree (m = n − 1) `W^{1/2} B L⁺ (e_u − e_v) = e_e / √w_e` for the edge e = (u, v), so
        // the projection is exact for every k: ‖Q e_e‖² / w_e = k · (1/k) / w_e = 1 / w_e. This pins
        // down the ±1/√k scaling and the √w placement.
        let graph = TestData.graph(6, [(0, 1, 2), (1, 2, 0.5), (1, 3, 1), (3, 4, 4), (3, 5, 1)])
        let result = try ApproximateEffectiveResistance(dimension: 5, seed: 1).resistances(of: graph)
        XCTAssertClose(result.values, graph.adjacency.values.map { 1 / $0 }, tolerance: 1e-7)
    }

    // MARK: Disconnected graphs

    func testDisconnectedGraphWithIsolatedNodes() throws {
        let graph = disconnectedGraph()
        XCTAssertEqual(graph.components().count, 7)
        let result = try ApproximateEffectiveResistance(dimension: 1500, seed: 2).resistances(of: graph)
        XCTAssertEqual(result.components, 7)
        XCTAssertTrue(result.values.allSatisfy { $0.isFinite && $0 > 0 })
        let errors = relativeErrors(result.values, try exactResistances(graph))
        let mean = errors.reduce(0, +) / Double(errors.count)
        let foster = fosterSum(graph, result.values)
        print("disconnected (k = 1500): max relative error \(errors.max()!), mean \(mean), Foster \(foster) vs \(60 - 7)")
        XCTAssertLessThan(errors.max()!, 0.25)
        XCTAssertLessThan(mean, 0.06)
        XCTAssertEqual(foster, 53, accuracy: 0.03 * 53)
    }

    func testRightHandSidesSumToZeroOnEachComponent() {
        let graph = disconnectedGraph()
        let options = ApproximateEffectiveResistance()
        let k = 70
        let signs = options.projectionSigns(of: graph, dimension: k)
        let y = options.rightHandSides(of: graph, signs: signs, dimension: k, columns: 0..<k)
        let components = graph.components()
        for members in components.members {
            for j in 0..<k {
                let sum = members.reduce(0.0) { $0 + y[$1, j] }
                XCTAssertEqual(sum, 0, accuracy: 1e-12)
            }
        }
        for u in 55..<60 { XCTAssertTrue(y.row(u).allSatisfy { $0 == 0 }) }
    }

    func testGraphWithoutEdges() throws {
        let graph = TestData.graph(5, [])
        let result = try ApproximateEffectiveResistance().resistances(of: graph)
        XCTAssertEqual(result.values, [])
        XCTAssertEqual(result.components, 5)
    }

    // MARK: Determinism

    func testSeedDeterminesValues() throws {
        let graph = TestData.graph(50, p: 0.15, seed: 8)
        let a = try ApproximateEffectiveResistance(dimension: 150, seed: 42).resistances(of: graph)
        let b = try ApproximateEffectiveResistance(dimension: 150, seed: 42).resistances(of: graph)
        let c = try ApproximateEffectiveResistance(dimension: 150, seed: 43).resistances(of: graph)
        XCTAssertEqual(a.values, b.values)
        XCTAssertEqual(a.totalIterations, b.totalIterations)
        XCTAssertNotEqual(a.values, c.values)
    }

    func testBlockWidthDoesNotChangeValues() throws {
        let graph = TestData.graph(50, p: 0.15, seed: 9)
        var options = ApproximateEffectiveResistance(dimension: 150, seed: 4)
        let wide = try options.resistances(of: graph)
        options.blockWidth = 7
        let narrow = try options.resistances(of: graph)
        XCTAssertEqual(wide.values, narrow.values)
        XCTAssertEqual(wide.totalIterations, narrow.totalIterations)
    }

    // MARK: Errors

    func testNegativeWeightsThrow() {
        let graph = TestData.graph(30, p: 0.3, seed: 1, signed: true)
        XCTAssertTrue(graph.hasNegativeWeights)
        XCTAssertThrowsError(try ApproximateEffectiveResistance().resistances(of: graph)) { error in
            guard case NumericalError.invalidInput = error else { return XCTFail("unexpected \(error)") }
        }
    }

    func testInvalidOptionsThrow() {
        let graph = TestData.path(5)
        for options in [
            ApproximateEffectiveResistance(epsilon: 0), ApproximateEffectiveResistance(epsilon: 1),
            ApproximateEffectiveResistance(epsilon: -0.2), ApproximateEffectiveResistance(epsilon: .nan),
            ApproximateEffectiveResistance(dimension: 0), ApproximateEffectiveResistance(cgTolerance: 0),
            ApproximateEffectiveResistance(maxIterations: 0),
        ] {
            XCTAssertThrowsError(try options.resistances(of: graph)) { error in
                guard case NumericalError.invalidInput = error else { return XCTFail("unexpected \(error)") }
            }
        }
    }

    func testNonConvergenceThrows() {
        let graph = TestData.graph(60, p: 0.15, seed: 3)
        let options = ApproximateEffectiveResistance(dimension: 10, maxIterations: 1)
        XCTAssertThrowsError(try options.resistances(of: graph)) { error in
            guard case let NumericalError.noConvergence(_, iterations, converged, wanted) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(iterations, 1)
            XCTAssertLessThan(converged, wanted)
            XCTAssertEqual(wanted, 10)
        }
    }

    // MARK: Laplacian solver

    func testLaplacianSolverReachesItsTolerance() throws {
        let graph = TestData.graph(80, p: 0.1, seed: 14)
        XCTAssertEqual(graph.components().count, 1)
        var rng = SplitMix64(seed: 5)
        var b = (0..<80).map { _ in rng.nextUnitDouble() - 0.5 }
        let mean = b.reduce(0, +) / 80
        b = b.map { $0 - mean }
        let solver = try LaplacianSolver(graph: graph, tolerance: 1e-10)
        let (x, reported, iterations) = try solver.solve(b)
        let lx = denseLaplacian(graph).applied(to: x)
        let residual = zip(lx, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            / b.map { $0 * $0 }.reduce(0, +).squareRoot()
        print("CG alone: ‖Lx − b‖/‖b‖ = \(residual) (reported \(reported)) after \(iterations) iterations")
        XCTAssertLessThanOrEqual(residual, 1e-10)
        XCTAssertEqual(residual, reported, accuracy: 1e-12)
        XCTAssertEqual(x.reduce(0, +), 0, accuracy: 1e-10)
        // The minimum-norm solution: x = L⁺ b.
        XCTAssertClose(x, try pseudoInverse(graph).applied(to: b), tolerance: 1e-6)
    }

    func testLaplacianSolverBlockOnDisconnectedGraph() throws {
        let graph = disconnectedGraph()
        let solver = try LaplacianSolver(graph: graph)
        let b = TestData.matrix(60, 3, seed: 6)
        let solution = try solver.solve(block: b)
        let p = try pseudoInverse(graph)
        let l = denseLaplacian(graph)
        for j in 0..<3 {
            // Inconsistent parts (component means, isolated entries) are projected away: x = L⁺ b.
            XCTAssertClose(solution.x.column(j), p.applied(to: b.column(j)), tolerance: 1e-5)
            XCTAssertLessThanOrEqual(solution.relativeResiduals[j], 1e-8)
            let pb = l.applied(to: p.applied(to: b.column(j)))
            let r = zip(l.applied(to: solution.x.column(j)), pb).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            XCTAssertLessThanOrEqual(r / pb.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-8)
        }
        for u in 55..<60 { XCTAssertTrue(solution.x.row(u).allSatisfy { $0 == 0 }) }
    }
}
