import Foundation
import GraphPruneIO

/// One cell of a results table: text, an integer, a real number, or nothing.
///
/// Literals work directly: `["magnitude", 3, 0.8712, .missing]`.
public enum TableCell: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    case text(String)
    case integer(Int)
    case number(Double)
    /// No value (a configuration that was not run, a metric that does not apply).
    case missing

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }

    /// `.number(x)` for a value, `.missing` for `nil`.
    public static func optional(_ value: Double?) -> TableCell { value.map { .number($0) } ?? .missing }
}

/// A table written as RFC 4180 CSV, the full-precision form of a report (Markdown rounds).
///
/// - The first record is the header; every row has exactly as many cells as the header.
/// - Integers are written as integers (`42`), doubles with `%.17g` so that parsing the text
///   gives back the same `Double` bit for bit (`0.1` → `0.10000000000000001`); NaN and ±∞ are
///   written `nan`, `inf`, `-inf` (what NumPy and pandas read); a missing cell is an empty field.
/// - A field containing a comma, a double quote, CR or LF is enclosed in double quotes and its
///   quotes doubled (`say "hi"` → `"say ""hi"""`); other fields are written as they are.
/// - Records end with CRLF as RFC 4180 prescribes (`lineEnding: .lf` for Unix style), including
///   the last one.
///
/// Example: header `["scorer", "ratio", "accuracy"]`, row `["degree, weighted", 0.5, 1]` gives
/// `scorer,ratio,accuracy\r\n"degree, weighted",0.5,1\r\n`.
public struct CSVTable: Equatable, Sendable {
    /// How records are terminated.
    public enum LineEnding: String, Sendable {
        case crlf = "\r\n"
        case lf = "\n"
    }

    /// Column names.
    public let header: [String]
    /// Data rows, each with `header.count` cells.
    public private(set) var rows: [[TableCell]]

    /// A table with `header` and `rows`.
    /// - Throws: `ReportError` when the header is empty or a row's cell count differs from
    ///   the header's (naming the 1-based row).
    public init(header: [String], rows: [[TableCell]] = []) throws {
        guard !header.isEmpty else {
            throw ReportError(subject: "CSV table", problem: "the header has no columns")
        }
        self.header = header
        self.rows = []
        for row in rows { try append(row) }
    }

    /// Adds one row at the end.
    /// - Throws: `ReportError` when `row.count != header.count`.
    public mutating func append(_ row: [TableCell]) throws {
        guard row.count == header.count else {
            throw ReportError(
                subject: "CSV table",
                problem: "row \(rows.count + 1) has \(row.count) cells, the header has \(header.count)")
        }
        rows.append(row)
    }

    /// The CSV text: header record, then one record per row, each ended by `lineEnding`.
    /// - Complexity: O(total size of the cells).
    public func text(lineEnding: LineEnding = .crlf) -> String {
        var out = ""
        out += header.map(Self.field).joined(separator: ",") + lineEnding.rawValue
        for row in rows {
            out += row.map { Self.field(Self.text(of: $0)) }.joined(separator: ",") + lineEnding.rawValue
        }
        return out
    }

    /// Writes `text(lineEnding:)` as UTF-8 to `url` atomically (temporary file + rename).
    /// - Throws: `FileWriteError` naming the path when the file cannot be written.
    public func write(to url: URL, lineEnding: LineEnding = .crlf) throws {
        try AtomicFile.write(Data(text(lineEnding: lineEnding).utf8), to: url)
    }

    /// The unquoted text of a cell.
    static func text(of cell: TableCell) -> String {
        switch cell {
        case .text(let string): return string
        case .integer(let value): return String(value)
        case .number(let value): return fullPrecision(value)
        case .missing: return ""
        }
    }

    /// `%.17g`, with NaN and infinities spelled the same on every platform.
    static func fullPrecision(_ value: Double) -> String { DecimalText.fullPrecision(value) }

    /// `text` as one RFC 4180 field: quoted when it holds `,`, `"`, CR or LF.
    static func field(_ text: String) -> String {
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
