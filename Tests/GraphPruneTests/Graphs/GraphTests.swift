import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

final class GraphTests: XCTestCase {
    func testEdgeListIsSymmetrizedAndChecked() throws {
        let g = TestData.graph(4, [(0, 1, 2), (1, 0, 2), (2, 3, -1), (1, 2, 0)])
        XCTAssertEqual(g.edgeCount, 2)  // duplicate merged, zero weight dropped
        XCTAssertEqual(g.degrees(), [2, 2, -1, -1])
        XCTAssertEqual(Array(g.neighbors(of: 2).nodes), [3])

        func rejects(_ edges: [WeightedEdge], _ n: Int, _ fragment: String) {
            XCTAssertThrowsError(try WeightedGraph(EdgeList(nodeCount: n, edges: edges, lines: edges.indices.map { $0 + 2 }), name: "g.csv")) {
                XCTAssertTrue("\($0)".hasPrefix("g.csv: line "), "\($0)")
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
        }
        rejects([WeightedEdge(0, 5)], 3, "outside 0..<3")
        rejects([WeightedEdge(-1, 1)], 3, "node id -1")
        rejects([WeightedEdge(1, 1)], 3, "self loop")
        rejects([WeightedEdge(0, 1, .nan)], 3, "not finite")
        rejects([WeightedEdge(0, 1, 1), WeightedEdge(1, 0, 2)], 3, "listed again")
    }

    func testComponentsAreOrderedBySmallestNode() {
        let g = TestData.graph(7, [(5, 6, 1), (0, 2, 1), (2, 4, 1)])
        let c = g.components()
        XCTAssertEqual(c.members, [[0, 2, 4], [1], [3], [5, 6]])
        XCTAssertEqual(c.labels, [0, 1, 0, 2, 0, 3, 3])
    }

    func testInducedSubgraphRenumbers() {
        let g = TestData.graph(5, [(0, 1, 1), (1, 3, 2), (3, 4, 3)])
        let s = g.induced(by: [1, 3, 4])
        XCTAssertEqual(s.adjacency.dense(), Matrix([[0, 2, 0], [2, 0, 3], [0, 3, 0]]))
    }

    func testSimilarityGraphMatchesTheDefinition() {
        var neurons = TestData.matrix(30, 8, seed: 11)
        for j in 0..<8 { neurons[4, j] = 0 }  // a dead neuron: normalised to zero, isolated
        for tau in [-0.2, 0.0, 0.3, 0.6] {
            let g = NeuronSimilarityGraph.build(neurons: neurons, tau: tau)
            let dense = g.adjacency.dense()
            for i in 0..<30 {
                let ni = neurons.row(i).reduce(0) { $0 + $1 * $1 }.squareRoot() + 1e-8
                for j in 0..<30 {
                    let nj = neurons.row(j).reduce(0) { $0 + $1 * $1 }.squareRoot() + 1e-8
                    let s = zip(neurons.row(i), neurons.row(j)).reduce(0) { $0 + $1.0 * $1.1 } / (ni * nj)
                    let expected = i != j && s > tau ? s : 0
                    XCTAssertEqual(dense[i, j], expected, accuracy: 1e-12, "τ=\(tau) (\(i),\(j))")
                }
            }
            XCTAssertEqual(g.nodeCount, 30)
            XCTAssertEqual(g.neighbors(of: 4).nodes.count, 0, "a dead neuron has similarity 0: no edge even for τ < 0")
            XCTAssertFalse(g.adjacency.values.contains(0))
        }
    }

    func testTiledBuildDoesNotDependOnTheTileSize() {
        let w = TestData.matrix(53, 9, seed: 12)
        let whole = NeuronSimilarityGraph.build(neurons: w, tau: 0.05, tileRows: 1000)
        for tile in [1, 7, 16, 52] {
            // syrk (diagonal blocks) and gemm round differently: same edges, values within ulps.
            let tiled = NeuronSimilarityGraph.build(neurons: w, tau: 0.05, tileRows: tile).adjacency
            XCTAssertTrue(tiled.rowStarts == whole.adjacency.rowStarts && tiled.columnIndices == whole.adjacency.columnIndices, "tile \(tile)")
            XCTAssertClose(tiled.values, whole.adjacency.values, tolerance: 1e-14, "tile \(tile)")
        }
        let s = NeuronSimilarityGraph.similarities(neurons: w)
        let dense = whole.adjacency.dense()
        for i in 0..<53 { for j in 0..<53 where i != j { XCTAssertEqual(dense[i, j], s[i, j] > 0.05 ? s[i, j] : 0, accuracy: 1e-12) } }
    }

    func testFloatThresholdIsExactAtTheBoundary() {
        // Two identical Float neurons have similarity Float(1 − tiny): τ just below and just
        // above the stored value must give an edge and no edge.
        let w = Matrix<Float>([[1, 2, 3], [1, 2, 3]])
        let s = Double(NeuronSimilarityGraph.build(neurons: w, tau: -1).adjacency.values[0])
        XCTAssertEqual(NeuronSimilarityGraph.build(neurons: w, tau: s.nextDown).edgeCount, 1)
        XCTAssertEqual(NeuronSimilarityGraph.build(neurons: w, tau: s).edgeCount, 0)
    }

    func testFloatSimilarityGraphAgreesWithDouble() {
        let d = TestData.matrix(20, 16, seed: 5)
        let gd = NeuronSimilarityGraph.build(neurons: d, tau: 0.1)
        let gf = NeuronSimilarityGraph.build(neurons: d.converted(to: Float.self), tau: 0.1)
        XCTAssertClose(gf.adjacency.dense().elements, gd.adjacency.dense().elements, tolerance: 1e-5)
    }

    func testLayeredGraphBlocksAndEdges() throws {
        let w0 = Matrix<Double>([[1, 0, -2], [0.5, 3, 0]])  // 2 outputs × 3 inputs
        let w1 = Matrix<Double>([[4, -1]])                  // 1 output × 2 inputs
        let net = try LayeredGraph(layers: [w0, w1], weighting: .signed)
        XCTAssertEqual(net.blockSizes, [3, 2, 1])
        XCTAssertEqual(net.blockOffsets, [0, 3, 5])
        let a = net.graph.adjacency.dense()
        XCTAssertEqual(a[0, 3], 1); XCTAssertEqual(a[3, 0], 1)
        XCTAssertEqual(a[2, 3], -2); XCTAssertEqual(a[1, 3], 0)
        XCTAssertEqual(a[1, 4], 3); XCTAssertEqual(a[4, 5], -1); XCTAssertEqual(a[5, 3], 4)
        XCTAssertEqual(net.graph.edgeCount, 6)
        let abs = try LayeredGraph(layers: [w0, w1]).graph.adjacency.dense()
        XCTAssertEqual(abs[2, 3], 2)
        XCTAssertThrowsError(try LayeredGraph(layers: [w0, w0]))
        // The CSR rows must come out sorted (the builders rely on it, not on a sort).
        for u in 0..<net.graph.nodeCount {
            let nodes = Array(net.graph.neighbors(of: u).nodes)
            XCTAssertEqual(nodes, nodes.sorted())
        }
    }
}
