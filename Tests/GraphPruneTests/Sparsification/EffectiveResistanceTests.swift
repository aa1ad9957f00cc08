import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class EffectiveResistanceTests: XCTestCase {
    /// A random non-negative layer (`rows × columns`); `zeros` is the fraction of absent edges.
    static func layer(_ rows: Int, _ columns: Int, seed: UInt64, zeros: Double = 0) -> Matrix<Double> {
        var g = SplitMix64(seed: seed)
        return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in
            g.nextUnitDouble() < zeros ? 0 : 0.05 + g.nextUnitDouble()
        })
    }

    /// The reference: every edge's resistance from the pseudo-inverse of the whole graph, laid
    /// out like the biadjacency (rows = side 1 = the graph's outputs block).
    static func reference(_ b: Matrix<Double>) throws -> Matrix<Double> {
        let graph = try LayeredGraph(edgeWeights: [b]).graph  // inputs = columns, outputs = rows
        let pinv = try EffectiveResistance.laplacianPseudoinverse(graph)
        var r = Matrix<Double>(rows: b.rows, columns: b.columns)
        for u in 0..<b.rows {
            for v in 0..<b.columns where b[u, v] > 0 {
                let x = b.columns + u, y = v
                r[u, v] = pinv[x, x] + pinv[y, y] - 2 * pinv[x, y]
            }
        }
        return r
    }

    private func assertRelativelyClose(_ a: Matrix<Double>, _ b: Matrix<Double>, _ tolerance: Double, _ message: String) {
        XCTAssertEqual(a.rows, b.rows); XCTAssertEqual(a.columns, b.columns)
        var worst = 0.0
        for (x, y) in zip(a.elements, b.elements) where y != 0 || x != 0 {
            worst = max(worst, abs(x - y) / max(abs(y), 1e-300))
        }
        XCTAssertLessThan(worst, tolerance, message)
    }

    func testSchurPathMatchesThePseudoinverse() throws {
        for (rows, columns, zeros, seed) in [(30, 12, 0.0, UInt64(1)), (12, 30, 0.0, 2), (40, 25, 0.6, 3), (9, 9, 0.3, 4), (1, 7, 0, 5), (7, 1, 0, 6), (1, 1, 0, 7)] {
            let b = Self.layer(rows, columns, seed: seed, zeros: zeros)
            let fast = try EffectiveResistance.bySchurComplement(biadjacency: b)
            assertRelativelyClose(fast, try Self.reference(b), 1e-9, "\(rows)×\(columns) zeros \(zeros)")
        }
    }

    func testDeadNeuronsAndDisconnectedLayers() throws {
        var b = Self.layer(20, 15, seed: 9)
        for v in 0..<15 { b[3, v] = 0 }               // a dead output row
        for u in 0..<20 { b[u, 7] = 0 }                // a dead input column
        for u in 0..<20 { for v in 0..<15 where (u < 10) != (v < 6) { b[u, v] = 0 } }  // two blocks
        let components = BipartiteComponents(b)
        XCTAssertEqual(components.connectedCount, 2)
        XCTAssertEqual(components.isolatedRows, [3])
        XCTAssertEqual(components.isolatedColumns, [7])
        XCTAssertEqual(components.count, 4)
        let fast = try EffectiveResistance.bySchurComplement(biadjacency: b)
        assertRelativelyClose(fast, try Self.reference(b), 1e-9, "disconnected")
        XCTAssertTrue(fast.row(3).allSatisfy { $0 == 0 })
    }

    func testWideComponentAndExtremeWeightScales() throws {
        // Block diagonal: rows 0..<8 × columns 0..<3, rows 8..<10 × columns 3..<9 (a component
        // with more columns than rows is eliminated the other way round).
        var b = Matrix<Double>(rows: 10, columns: 9)
        let left = Self.layer(8, 3, seed: 31), right = Self.layer(2, 6, seed: 32)
        for u in 0..<8 { for v in 0..<3 { b[u, v] = left[u, v] } }
        for u in 0..<2 { for v in 0..<6 { b[8 + u, 3 + v] = right[u, v] } }
        let reference = try Self.reference(b)
        assertRelativelyClose(try EffectiveResistance.bySchurComplement(biadjacency: b), reference, 1e-9, "wide component")
        // Reff scales as 1/w: the shift of the Schur complement must follow the weights' scale.
        for scale in [1e-8, 1e8] {
            let scaled = Matrix(rows: 10, columns: 9, elements: b.elements.map { $0 * scale })
            let expected = Matrix(rows: 10, columns: 9, elements: reference.elements.map { $0 / scale })
            assertRelativelyClose(try EffectiveResistance.bySchurComplement(biadjacency: scaled), expected, 1e-9, "scale \(scale)")
        }
    }

    func testFosterTheorem() throws {
        for zeros in [0.0, 0.5] {
            let b = Self.layer(25, 18, seed: 11, zeros: zeros)
            let r = try EffectiveResistance.bySchurComplement(biadjacency: b)
            let foster = zip(b.elements, r.elements).reduce(0) { $0 + $1.0 * $1.1 }
            let components = BipartiteComponents(b)
            XCTAssertEqual(foster, Double(b.rows + b.columns - components.count), accuracy: 1e-9)

            let graph = try LayeredGraph(edgeWeights: [b]).graph
            let generic = try EffectiveResistance.byPseudoinverse(graph)
            XCTAssertEqual(EffectiveResistance.fosterSum(graph, resistances: generic), Double(graph.nodeCount - graph.components().count), accuracy: 1e-9)
        }
    }

    func testKnownResistances() throws {
        // A path of unit resistors: Reff of each edge is 1 (a tree); a triangle: 2/3.
        let path = try EffectiveResistance.byPseudoinverse(TestData.path(4))
        XCTAssertClose(path, Array(repeating: 1, count: path.count), tolerance: 1e-12)
        let triangle = try EffectiveResistance.byPseudoinverse(TestData.complete(3))
        XCTAssertClose(triangle, Array(repeating: 2.0 / 3, count: 6), tolerance: 1e-12)
        // K_{2,2} (a 4-cycle) with unit weights: 3/4 per edge.
        let cycle = try EffectiveResistance.bySchurComplement(biadjacency: Matrix(rows: 2, columns: 2, repeating: 1))
        XCTAssertClose(cycle.elements, Array(repeating: 0.75, count: 4), tolerance: 1e-12)
    }

    func testNegativeWeightsAreRejected() {
        XCTAssertThrowsError(try EffectiveResistance.bySchurComplement(biadjacency: Matrix([[1, -1], [1, 1]])))
        XCTAssertThrowsError(try EffectiveResistance.byPseudoinverse(TestData.graph(3, [(0, 1, -1), (1, 2, 1)])))
    }
}
