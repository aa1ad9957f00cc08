import Foundation
import XCTest
@testable import GraphPruneGraphs
import GraphPruneNumerics
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

    /// Plain lines read from their bytes give exactly what the general field parser gives —
    /// the same edges, weights to the bit, line numbers and errors — on random files mixing
    /// plain lines with blanks, `\r\n`, tabs, headers, signs, exponents, Unicode spaces,
    /// overflowing ids and weights, and malformed fields.
    func testPlainLinesMatchTheGeneralParser() throws {
        let weights = ["1", "0.5", "-0.25", "+2.5", ".5", "5.", "1e-3", "1E+2", "-1e-320", "1e-400", "1e999", "-0", "3.14159265358979323846",
                       "1e", ".", "-", "nan", "inf", "0x1p3", "1,5", "2..5", "", " 7 ", "\t8"]
        let ids = ["0", "7", "12", "+3", "-1", "007", "9223372036854775807", "9223372036854775806", "9223372036854775808", "99999999999999999999", "x", "", " 4", "5 "]
        var generator = SplitMix64(seed: 11)
        func pick(_ options: [String]) -> String { options[Int(generator.next() % UInt64(options.count))] }
        for trial in 0..<300 {
            var lines = [String]()
            if trial % 3 == 0 { lines.append(pick(["source,target,weight", "a,b", "1,2,3"])) }
            for _ in 0..<Int(generator.next() % 12) {
                switch generator.next() % 10 {
                case 0: lines.append(pick(["", "  ", "\r", "\u{00A0}1,2\u{2003}"]))
                case 1: lines.append("\(pick(ids)),\(pick(ids))")
                case 2: lines.append("\(pick(ids)),\(pick(ids)),\(pick(weights)),")
                default:
                    let plain = "\(Int(generator.next() % 50)) ,\t\(Int(generator.next() % 50)), \(pick(weights))"
                    lines.append(generator.next() % 2 == 0 ? plain + "\r" : plain)
                }
            }
            let text = lines.joined(separator: "\n")
            let general = Result { try EdgeListCSVFile.readGraph(text: text, name: "t.csv", plainLines: false) }
            let plain = Result { try EdgeListCSVFile.readGraph(text: text, name: "t.csv", plainLines: true) }
            switch (general, plain) {
            case (.success(let a), .success(let b)):
                XCTAssertEqual(a, b, text)
                XCTAssertEqual(a.edges.map(\.weight.bitPattern), b.edges.map(\.weight.bitPattern), text)
            case (.failure(let a), .failure(let b)):
                XCTAssertEqual(String(describing: a), String(describing: b), text)
            default:
                XCTFail("one path failed and the other did not on:\n\(text)")
            }
        }
    }
}
