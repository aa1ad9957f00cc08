import Foundation

/// Line splitting and number parsing shared by the text graph readers (Matrix Market, CSV).
///
/// Lines are split at `\n` only (so `\r\n` files work: the `\r` is trimmed with the other
/// surrounding whitespace) and numbered from 1.
enum TextFields {
    /// Calls `body` with each line's 1-based number and its content, whitespace-trimmed.
    /// - Complexity: O(text length).
    static func forEachLine(_ text: String, _ body: (Int, String) throws -> Void) throws {
        try forEachRawLine(text) { number, bytes in try body(number, trimmedLine(bytes)) }
    }

    /// Calls `body` with each line's 1-based number and its bytes (no `\n`, nothing trimmed),
    /// valid only during the call.
    /// - Complexity: O(text length).
    static func forEachRawLine(_ text: String, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var text = text
        try text.withUTF8 { bytes in
            var number = 0, start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                number += 1
                try body(number, UnsafeBufferPointer(rebasing: bytes[start..<end]))
                start = end + 1
            }
        }
    }

    /// A line's bytes as text, whitespace-trimmed. ASCII blanks are trimmed on the bytes; a line
    /// that still starts or ends with a non-ASCII scalar (a Unicode space, rarely) goes through
    /// Foundation's trimming.
    static func trimmedLine(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let kept = asciiTrimmed(bytes)
        let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[kept]), as: UTF8.self)
        let unicodeEnds = !kept.isEmpty && (bytes[kept.lowerBound] >= 0x80 || bytes[kept.upperBound - 1] >= 0x80)
        return unicodeEnds ? line.trimmingCharacters(in: .whitespacesAndNewlines) : line
    }

    /// The indices of `bytes` left when ASCII blanks and line ends (U+0009, U+000A–U+000D,
    /// space) are dropped from both ends.
    static func asciiTrimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var lo = 0, hi = bytes.count
        while lo < hi && isBlank(bytes[lo], newlines: true) { lo += 1 }
        while hi > lo && isBlank(bytes[hi - 1], newlines: true) { hi -= 1 }
        return lo..<hi
    }

    /// ASCII members of `CharacterSet.whitespaces` (space, tab), or of `.whitespacesAndNewlines`
    /// (also U+000A–U+000D) with `newlines`.
    @inline(__always)
    static func isBlank(_ byte: UInt8, newlines: Bool) -> Bool {
        byte == 0x20 || byte == 0x09 || (newlines && byte >= 0x0A && byte <= 0x0D)
    }

    /// The fields of `line` separated by runs of spaces or tabs.
    static func whitespaceFields(_ line: String) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// The fields of `line` separated by commas, each trimmed (empty fields are kept).
    static func commaFields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { field in
            // Fast path: nothing to trim (Foundation's trimming goes through UTF-16).
            if let first = field.utf8.first, let last = field.utf8.last, first < 0x80, last < 0x80,
               !isBlank(first, newlines: false), !isBlank(last, newlines: false) {
                return String(field)
            }
            return field.trimmingCharacters(in: .whitespaces)
        }
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
