import Foundation
import XCTest
@testable import GraphPruneGraphs
@testable import GraphPruneIO


final class MatrixMarketIOTests: XCTestCase {
    func read(_ text: String) throws -> EdgeList {
        try MatrixMarketFile.readGraph(text: text, name: "g.mtx")
    }

    func testGeneralReal() throws {
        let text = """
            %%MatrixMarket matrix coordinate real general
            % a comment
            %another

            3 3 3
            1 2 0.5
            2 1 0.5
            3 3 -1e-2
            """
        let graph = try read(text)
        XCTAssertEqual(graph.nodeCount, 3)
        XCTAssertEqual(graph.edges, [WeightedEdge(0, 1, 0.5), WeightedEdge(1, 0, 0.5), WeightedEdge(2, 2, -0.01)])
        XCTAssertEqual(graph.lines, [6, 7, 8])
    }

    func testSymmetricIsNotMirrored() throws {
        let graph = try read("%%MatrixMarket matrix coordinate real symmetric\n4 4 2\n2 1 3.5\n4 3 1\n")
        XCTAssertEqual(graph, EdgeList(nodeCount: 4, edges: [WeightedEdge(1, 0, 3.5), WeightedEdge(3, 2, 1)], lines: [3, 4]))
    }

    func testPatternIntegerCaseAndLineEndings() throws {
        let pattern = try read("%%matrixmarket MATRIX Coordinate PATTERN General\r\n2 2 1\r\n1 2\r\n")
        XCTAssertEqual(pattern.edges, [WeightedEdge(0, 1, 1)])
        XCTAssertEqual(pattern.lines, [3])
        let integer = try read("%%MatrixMarket matrix coordinate integer symmetric\n  3 3 2  \n3\t1\t7\n2 2 -4\n")
        XCTAssertEqual(integer.edges, [WeightedEdge(2, 0, 7), WeightedEdge(1, 1, -4)])
        let empty = try read("%%MatrixMarket matrix coordinate real general\n5 5 0\n")
        XCTAssertEqual(empty, EdgeList(nodeCount: 5, edges: [], lines: []))
    }

    func testReadsFromFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("g.mtx")
            try Data("%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n2 1\n".utf8).write(to: url)
            XCTAssertEqual(try MatrixMarketFile.readGraph(from: url).edges, [WeightedEdge(1, 0, 1)])
            assertFormatError(
                try MatrixMarketFile.readGraph(from: directory.appendingPathComponent("missing.mtx")), contains: "cannot be read")
        }
    }

    func testUnsupportedBanners() {
        let cases: [(String, String)] = [
            ("%%MatrixMarket matrix array real general", "line 1: array (dense) format is not supported"),
            ("%%MatrixMarket matrix coordinate complex general", "line 1: complex values are not supported"),
            ("%%MatrixMarket matrix coordinate real hermitian", "line 1: hermitian matrices are not supported"),
            ("%%MatrixMarket matrix coordinate real skew-symmetric", "line 1: skew-symmetric matrices are not supported"),
            ("%%MatrixMarket vector coordinate real general", "object 'vector' is not supported"),
            ("%%MatrixMarket matrix coordinate real", "banner must be"),
            ("%%MatrixMarket matrix coordinate quaternion general", "unknown field 'quaternion'"),
            ("3 3 1", "line 1: missing '%%MatrixMarket"),
        ]
        for (banner, fragment) in cases {
            assertFormatError(try read(banner + "\n3 3 1\n1 1 1\n"), contains: fragment)
        }
        assertFormatError(try read(""), contains: "missing '%%MatrixMarket")
    }

    func testMalformedBodies() {
        let real = "%%MatrixMarket matrix coordinate real general\n"
        let cases: [(String, String)] = [
            (real + "3 4 1\n1 1 1\n", "line 2: adjacency matrix must be square, got 3 × 4"),
            (real + "3 3\n", "line 2: size line must be 'rows columns entries'"),
            (real + "3 3 -1\n", "line 2: entry count -1 is negative"),
            (real + "3 x 1\n", "line 2: column count 'x' is not an integer"),
            (real + "% only comments\n", "no size line after the banner"),
            (real + "3 3 1\n0 1 1\n", "line 3: row index 0 is out of range 1...3"),
            (real + "3 3 1\n1 4 1\n", "line 3: column index 4 is out of range 1...3"),
            (real + "3 3 1\n1 -2 1\n", "line 3: column index -2 is out of range"),
            (real + "3 3 1\n1 2\n", "line 3: missing value"),
            (real + "3 3 1\n1 2 3 4\n", "line 3: expected 3 fields"),
            (real + "3 3 1\n1 2 abc\n", "line 3: value 'abc' is not a number"),
            (real + "3 3 1\n1 2 nan\n", "line 3: value is NaN"),
            (real + "3 3 1\n1 2 -inf\n", "line 3: value is infinite"),
            (real + "3 3 1\n1.5 2 1\n", "line 3: row index '1.5' is not an integer"),
            (real + "3 3 2\n1 2 1\n", "file ends after 1 of the 2 entries announced on line 2"),
            (real + "3 3 1\n1 2 1\n\n% c\n2 3 1\n", "line 6: more entries than the 1 announced on line 2"),
            ("%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 2 1.5\n", "line 3: value '1.5' is not an integer"),
            ("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2 1\n", "expected 2 fields 'row column' for a pattern matrix, got 3"),
        ]
        for (text, fragment) in cases {
            assertFormatError(try read(text), contains: fragment)
        }
    }
}
