import Foundation

/// Line splitting and number parsing shared by the text graph readers (Matrix Market, CSV).
///
/// Lines are split at `\n` only (so `\r\n` files work: the `\r` is trimmed with the other
/// surrounding whitespace) and numbered from 1.
enum TextFields {
    /// Calls `body` with each line's 1-based number and its content, whitespace-trimmed.
    /// - Complexity: O(text length).
    static func forEachLine(_ text: String, _ body: (Int, String) throws -> Void) throws {
        var number = 0
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            try body(number, Substring(line).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The fields of `line` separated by runs of spaces or tabs.
    static func whitespaceFields(_ line: String) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// The fields of `line` separated by commas, each trimmed (empty fields are kept).
    static func commaFields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `text` as a finite `Double`.
    /// - Throws: a problem such as `"weight 'abc' is not a number"`, `"weight is NaN"` or
    ///   `"weight is infinite"` (`what` names the quantity).
    static func finiteNumber<S: StringProtocol>(_ text: S, what: String) throws(TextProblem) -> Double {
        guard !text.isEmpty else { throw TextProblem("\(what) is empty") }
        guard let value = Double(String(text)) else { throw TextProblem("\(what) '\(text)' is not a number") }
        if value.isNaN { throw TextProblem("\(what) is NaN") }
        if value.isInfinite { throw TextProblem("\(what) is infinite") }
        return value
    }

    /// `text` as an `Int`.
    /// - Throws: a problem such as `"source node id 'x' is not an integer"` or
    ///   `"row index 99999999999999999999 is too large"`.
    static func integer<S: StringProtocol>(_ text: S, what: String) throws(TextProblem) -> Int {
        if let value = Int(String(text)) { return value }
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : text[...]
        if !unsigned.isEmpty && unsigned.allSatisfy({ ("0"..."9").contains($0) }) {
            throw TextProblem("\(what) \(text) is too large")
        }
        throw TextProblem("\(what) '\(text)' is not an integer")
    }
}

/// A problem found in one line of text, before the line number and file are attached.
struct TextProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
