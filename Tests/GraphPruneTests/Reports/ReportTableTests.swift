import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneExperiments
@testable import GraphPruneCLI

/// CSV and Markdown tables against fixture strings.
final class ReportTableTests: XCTestCase {
    // MARK: CSV

    func testCSVFixture() throws {
        let table = try CSVTable(
            header: ["scorer", "ratio, %", "n", "accuracy"],
            rows: [
                ["magnitude", 0.1, 3, 0.5],
                ["say \"hi\"", 1e-300, -7, .missing],
                ["two\nlines", .number(.nan), 0, .number(-.infinity)],
                [.text("cr\rhere"), 100.0, .missing, .number(1.0 / 3)],
            ])
        let expected = "scorer,\"ratio, %\",n,accuracy\r\n"
            + "magnitude,0.10000000000000001,3,0.5\r\n"
            + "\"say \"\"hi\"\"\",1e-300,-7,\r\n"
            + "\"two\nlines\",nan,0,-inf\r\n"
            + "\"cr\rhere\",100,,0.33333333333333331\r\n"
        XCTAssertEqual(table.text(), expected)
        XCTAssertEqual(
            try CSVTable(header: ["a"], rows: [[1]]).text(lineEnding: .lf), "a\n1\n")
    }

    func testCSVDoublesRoundTrip() throws {
        var generator = SplitMix64(seed: 11)
        let values = (0..<50).map { _ in (generator.nextUnitDouble() - 0.5) * pow(10, Double(Int(generator.next() % 40)) - 20) }
        let table = try CSVTable(header: ["x"], rows: values.map { [.number($0)] })
        let parsed = table.text(lineEnding: .lf).split(separator: "\n").dropFirst().map { Double(String($0))! }
        XCTAssertEqual(parsed, values)
    }

    func testCSVShapeErrorsNameTheRow() throws {
        XCTAssertThrowsError(try CSVTable(header: ["a", "b"], rows: [[1, 2], [3]])) { error in
            XCTAssertEqual(
                error as? ReportError, ReportError(subject: "CSV table", problem: "row 2 has 1 cells, the header has 2"))
        }
        XCTAssertThrowsError(try CSVTable(header: []))
        var table = try CSVTable(header: ["a"])
        XCTAssertThrowsError(try table.append([1, 2]))
        try table.append([1])
        XCTAssertEqual(table.rows.count, 1)
    }

    func testCSVWritesFile() throws {
        let directory = try TemporaryDirectory()
        let url = URL(fileURLWithPath: directory.path("t.csv"))
        let table = try CSVTable(header: ["a", "b"], rows: [["x,y", 2]])
        try table.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "a,b\r\n\"x,y\",2\r\n")
        XCTAssertThrowsError(try table.write(to: URL(fileURLWithPath: directory.path("missing/t.csv"))))
    }

    // MARK: Markdown

    func testMarkdownFixture() throws {
        let table = try MarkdownTable(
            header: ["scorer", "pruned", "accuracy (%)", "note"],
            rows: [
                ["magnitude", 50, .summary(of: [87.1, 87.5, 86.9]), "a|b"],
                ["random", 10, .missing, .missing],
                ["one seed", 5, .summary(of: [80]), "x\ny"],
            ])
        // mean 87.1666… → 87.17; std sqrt(0.18667 / 2) = 0.3055 → 0.31.
        let expected = """
            | scorer    | pruned |     accuracy (%) | note   |
            | :-------- | -----: | ---------------: | :----- |
            | magnitude |     50 | 87.17 ± 0.31 (3) | a\\|b   |
            | random    |     10 |                — | —      |
            | one seed  |      5 | 80.00 ± 0.00 (1) | x<br>y |

            """
        XCTAssertEqual(table.text, expected)
        XCTAssertEqual(table.alignments, [.left, .right, .right, .left])
    }

    func testMarkdownExplicitAlignmentAndDecimals() throws {
        let table = try MarkdownTable(
            header: ["k", "v"], rows: [["a", 0.123456], ["bb", .number(-0.0004)]], alignments: [.center, .left],
            decimals: 3)
        let expected = """
            |  k  | v     |
            | :-: | :---- |
            |  a  | 0.123 |
            | bb  | 0.000 |

            """
        XCTAssertEqual(table.text, expected)
    }

    func testMarkdownFormatters() {
        let s = SummaryStatistics([0.8712, 0.8690])!
        XCTAssertEqual(MarkdownTable.meanStd(s, decimals: 3), "0.870 ± 0.002 (2)")
        XCTAssertEqual(MarkdownTable.meanStd(nil, decimals: 3), "—")
        XCTAssertEqual(MarkdownTable.number(nil, decimals: 2), "—")
        XCTAssertEqual(MarkdownTable.number(2.5, decimals: 0), "2")
        XCTAssertEqual(MarkdownTable.number(-0.004, decimals: 2), "0.00")
        XCTAssertEqual(MarkdownTable.number(-0.006, decimals: 2), "-0.01")
        XCTAssertEqual(MarkdownTable.number(.nan, decimals: 2), "NaN")
        XCTAssertEqual(MarkdownTable.number(-.infinity, decimals: 2), "−∞")
        XCTAssertEqual(MarkdownCell.summary(of: [.nan]), .missing)
    }

    func testMarkdownShapeErrors() {
        XCTAssertThrowsError(try MarkdownTable(header: ["a", "b"], rows: [["x"]])) { error in
            XCTAssertEqual((error as? ReportError)?.description, "Markdown table: row 1 has 1 cells, the header has 2")
        }
        XCTAssertThrowsError(try MarkdownTable(header: ["a"], rows: [], alignments: [.left, .right]))
        XCTAssertThrowsError(try MarkdownTable(header: ["a"], rows: [], decimals: 18))
        XCTAssertThrowsError(try MarkdownTable(header: [], rows: []))
    }
}
