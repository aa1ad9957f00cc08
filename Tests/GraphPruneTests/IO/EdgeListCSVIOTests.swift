import Foundation
import XCTest
@testable import GraphPruneGraphs
@testable import GraphPruneIO


final class EdgeListCSVIOTests: XCTestCase {
    func read(_ text: String) throws -> EdgeList {
        try EdgeListCSVFile.readGraph(text: text, name: "g.csv")
    }

    func testWithHeader() throws {
        let graph = try read("source,target,weight\n0,1,0.5\n1, 4 ,-2e-1\n")
        XCTAssertEqual(graph, EdgeList(nodeCount: 5, edges: [WeightedEdge(0, 1, 0.5), WeightedEdge(1, 4, -0.2)], lines: [2, 3]))
    }

    func testWithoutHeaderBlankLinesAndCRLF() throws {
        let graph = try read("\r\n2,0\r\n  \r\n 3 , 2 , 1.25 \r\n0,0,0\r\n")
        XCTAssertEqual(graph.nodeCount, 4)
        XCTAssertEqual(graph.edges, [WeightedEdge(2, 0, 1), WeightedEdge(3, 2, 1.25), WeightedEdge(0, 0, 0)])
        XCTAssertEqual(graph.lines, [2, 4, 5])
    }

    func testEmptyInputs() throws {
        XCTAssertEqual(try read(""), EdgeList(nodeCount: 0, edges: [], lines: []))
        XCTAssertEqual(try read("from,to\n\n"), EdgeList(nodeCount: 0, edges: [], lines: []))
    }

    func testReadsFromFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("g.csv")
            try Data("\u{FEFF}source,target\n1,2\n".utf8).write(to: url)
            XCTAssertEqual(try EdgeListCSVFile.readGraph(from: url), EdgeList(nodeCount: 3, edges: [WeightedEdge(1, 2)], lines: [2]))
            try Data([0x30, 0x2C, 0xFF, 0x0A]).write(to: url)
            assertFormatError(try EdgeListCSVFile.readGraph(from: url), contains: "not valid UTF-8")
        }
    }

    func testMalformedLines() {
        let cases: [(String, String)] = [
            ("0,1\n-1,2\n", "line 2: source node id -1 is negative"),
            ("0,-3\n", "line 1: target node id -3 is negative"),
            ("0,1\n1.5,2\n", "line 2: source node id '1.5' is not an integer"),
            ("0,x\n", "line 1: target node id 'x' is not an integer"),
            ("0,1\nsource,target\n", "line 2: source node id 'source' is not an integer"),
            ("0,99999999999999999999\n", "target node id 99999999999999999999 is too large"),
            ("0,9223372036854775807\n", "is too large"),
            ("s,t,w\n0,1,abc\n", "line 2: weight 'abc' is not a number"),
            ("0,1,nan\n", "line 1: weight is NaN"),
            ("0,1,inf\n", "line 1: weight is infinite"),
            ("0,1,\n", "line 1: weight is empty"),
            ("0,1\n7\n", "line 2: expected 2 or 3 fields (source,target[,weight]), got 1"),
            ("0,1,2,3\n", "line 1: expected 2 or 3 fields (source,target[,weight]), got 4"),
        ]
        for (text, fragment) in cases {
            assertFormatError(try read(text), contains: fragment)
        }
    }
}
