import Foundation
import GraphPruneIO

/// One cell of a Markdown table: text, an integer, a number rounded to the table's decimals,
/// a "mean ± std (n)" summary (optionally with the confidence interval of the mean), a paired
/// difference to a control, or nothing (written `—`).
public enum MarkdownCell: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    case text(String)
    case integer(Int)
    case number(Double)
    case summary(SummaryStatistics)
    /// `mean ± std [low, high] (n)`: the summary and its confidence interval at `level`.
    case summaryWithInterval(SummaryStatistics, level: Double)
    /// `+d̄ [low, high] p=… (n)`: a paired comparison with its interval at `level`.
    case difference(PairedComparison, level: Double)
    case missing

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }

    /// `.summary` of the statistics of `values`, `.missing` when none is finite.
    public static func summary(of values: [Double]) -> MarkdownCell {
        SummaryStatistics(values).map { .summary($0) } ?? .missing
    }

    /// Whether the cell holds a number (such columns are right-aligned).
    var isNumeric: Bool {
        switch self {
        case .integer, .number, .summary, .summaryWithInterval, .difference: return true
        case .text, .missing: return false
        }
    }
}

/// A GitHub-flavoured Markdown table, the rounded, human-readable form of a report.
///
/// ```
/// | scorer    | pruned |     accuracy (%) |
/// | :-------- | -----: | ---------------: |
/// | magnitude |     50 | 87.17 ± 0.31 (3) |
/// | random    |     10 |                — |
/// ```
/// Columns are padded to a common width so the source reads as a table too. By default a
/// column is right-aligned when all its non-missing cells are numeric (and it has at least
/// one), left-aligned otherwise. Numbers are rounded to `decimals` places; a missing cell is
/// `—`; `|` in any text is escaped as `\|` and line breaks become `<br>`, so a cell can never
/// split the row.
public struct MarkdownTable: Equatable, Sendable {
    /// Horizontal alignment of a column (`:--`, `--:`, `:-:` in the alignment row).
    public enum Alignment: Sendable, Equatable {
        case left, center, right
    }

    /// Column titles.
    public let header: [String]
    /// Data rows, each with `header.count` cells.
    public let rows: [[MarkdownCell]]
    /// One alignment per column.
    public let alignments: [Alignment]
    /// Decimal places for `.number` and `.summary` cells.
    public let decimals: Int

    /// A table of `rows` under `header`.
    /// - Parameters:
    ///   - alignments: one per column; `nil` ⇒ numeric columns right, others left.
    ///   - decimals: places after the decimal point for numbers, 0...17.
    /// - Throws: `ReportError` for an empty header, a row or alignment list whose length
    ///   differs from the header's (naming the 1-based row), or `decimals` outside 0...17.
    public init(header: [String], rows: [[MarkdownCell]], alignments: [Alignment]? = nil, decimals: Int = 2) throws {
        let subject = "Markdown table"
        guard !header.isEmpty else { throw ReportError(subject: subject, problem: "the header has no columns") }
        guard (0...17).contains(decimals) else {
            throw ReportError(subject: subject, problem: "decimals \(decimals) is outside 0...17")
        }
        for (index, row) in rows.enumerated() where row.count != header.count {
            throw ReportError(
                subject: subject, problem: "row \(index + 1) has \(row.count) cells, the header has \(header.count)")
        }
        if let alignments, alignments.count != header.count {
            throw ReportError(
                subject: subject,
                problem: "\(alignments.count) alignments given for \(header.count) columns")
        }
        self.header = header
        self.rows = rows
        self.decimals = decimals
        self.alignments = alignments ?? header.indices.map { column in
            let present = rows.map { $0[column] }.filter { $0 != .missing }
            return !present.isEmpty && present.allSatisfy(\.isNumeric) ? .right : .left
        }
    }

    /// The Markdown source: header line, alignment line, one line per row, each ended by `\n`.
    /// - Complexity: O(total size of the cells).
    public var text: String {
        let body = [header.map(Self.escape)] + rows.map { $0.map { Self.escape(format($0)) } }
        let widths = header.indices.map { column in
            max(3, body.map { $0[column].count }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.indices.map { column in
                pad(cells[column], to: widths[column], alignment: alignments[column])
            }
            return "| " + padded.joined(separator: " | ") + " |\n"
        }
        let rule = header.indices.map { column -> String in
            let width = widths[column]
            switch alignments[column] {
            case .left: return ":" + String(repeating: "-", count: width - 1)
            case .right: return String(repeating: "-", count: width - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: width - 2) + ":"
            }
        }
        return line(body[0]) + "| " + rule.joined(separator: " | ") + " |\n" + body.dropFirst().map(line).joined()
    }

    /// Writes `text` as UTF-8 to `url` atomically (temporary file + rename).
    /// - Throws: `FileWriteError` naming the path when the file cannot be written.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// The unescaped text of a cell at this table's precision.
    func format(_ cell: MarkdownCell) -> String {
        switch cell {
        case .text(let string): return string
        case .integer(let value): return String(value)
        case .number(let value): return Self.number(value, decimals: decimals)
        case .summary(let statistics): return Self.meanStd(statistics, decimals: decimals)
        case .summaryWithInterval(let statistics, let level):
            return Self.meanStd(statistics, interval: statistics.confidenceInterval(level: level), decimals: decimals)
        case .difference(let comparison, let level): return Self.difference(comparison, level: level, decimals: decimals)
        case .missing: return Self.missingMark
        }
    }

    /// What a missing cell shows: an em dash.
    public static let missingMark = "—"

    /// `"mean ± std (n)"` rounded to `decimals` places, e.g. `"87.12 ± 0.31 (3)"`; `"—"` for nil.
    /// A single measurement shows its zero spread: `"87.12 ± 0.00 (1)"`.
    public static func meanStd(_ statistics: SummaryStatistics?, decimals: Int) -> String {
        meanStd(statistics, interval: nil, decimals: decimals)
    }

    /// `"mean ± std [low, high] (n)"`, e.g. `"87.12 ± 0.31 [86.35, 87.89] (3)"`; without an
    /// interval (one value) as `meanStd`.
    static func meanStd(_ statistics: SummaryStatistics?, interval: ClosedRange<Double>?, decimals: Int) -> String {
        guard let statistics else { return missingMark }
        let range = interval.map { " [\(number($0.lowerBound, decimals: decimals)), \(number($0.upperBound, decimals: decimals))]" } ?? ""
        return "\(number(statistics.mean, decimals: decimals)) ± "
            + "\(number(statistics.standardDeviation, decimals: decimals))\(range) (\(statistics.count))"
    }

    /// `"+1.23 [+0.45, +2.01] p=0.012 (3)"`: the mean difference, its interval at `level` and
    /// the paired t-test's two-sided p-value (`p<0.001` below 0.001), signs always shown; with
    /// one pair only `"+1.23 (1)"`.
    static func difference(_ comparison: PairedComparison, level: Double, decimals: Int) -> String {
        let d = comparison.differences
        var text = signed(d.mean, decimals: decimals)
        if let range = comparison.interval(level: level) {
            text += " [\(signed(range.lowerBound, decimals: decimals)), \(signed(range.upperBound, decimals: decimals))]"
        }
        if let p = comparison.adjustedPValue ?? comparison.pValue { text += p < 0.001 ? " p<0.001" : " p=\(number(p, decimals: 3))" }
        return text + " (\(d.count))"
    }

    /// `number` with a `+` before a positive value (zero and negative values as `number`).
    static func signed(_ value: Double, decimals: Int) -> String {
        let text = number(value, decimals: decimals)
        return text.hasPrefix("-") || text.allSatisfy({ $0 == "0" || $0 == "." }) ? text : "+" + text
    }

    /// `value` with `decimals` places (`%.Nf`, no locale), `"—"` for nil, `NaN`/`∞`/`−∞` spelled
    /// out; a value that rounds to zero never shows a minus sign.
    public static func number(_ value: Double?, decimals: Int) -> String {
        precondition((0...17).contains(decimals), "decimals must lie in 0...17")
        guard let value else { return missingMark }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "−∞" : "∞" }
        let text = String(format: "%.\(decimals)f", value)
        let isZero = text.allSatisfy { $0 == "-" || $0 == "0" || $0 == "." }
        return isZero && text.hasPrefix("-") ? String(text.dropFirst()) : text
    }

    /// Escapes `|` as `\|` and turns line breaks into `<br>`.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "<br>")
            .replacingOccurrences(of: "\n", with: "<br>")
            .replacingOccurrences(of: "\r", with: "<br>")
            .replacingOccurrences(of: "|", with: "\\|")
    }

    private func pad(_ text: String, to width: Int, alignment: Alignment) -> String {
        let room = max(0, width - text.count)
        switch alignment {
        case .left: return text + String(repeating: " ", count: room)
        case .right: return String(repeating: " ", count: room) + text
        case .center:
            let before = room / 2
            return String(repeating: " ", count: before) + text + String(repeating: " ", count: room - before)
        }
    }
}
