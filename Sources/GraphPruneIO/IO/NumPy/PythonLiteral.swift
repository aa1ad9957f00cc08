/// The subset of Python literal syntax that `.npy` headers are written in.
///
/// Grammar (whitespace allowed between tokens):
/// ```
/// value  := string | integer | True | False | None | tuple | list | dict
/// string := '…' | "…"            (backslash escapes the next byte)
/// integer:= [+-]? digits [lL]?
/// tuple  := ( ) | ( value , ) | ( value (, value)* ,? )
/// list   := [ (value (, value)* ,?)? ]
/// dict   := { (string : value (, string : value)* ,?)? }
/// ```
/// Nesting is limited to `maxDepth` levels so that hostile input cannot exhaust the stack.
indirect enum PythonLiteral {
    case string(String)
    /// An integer literal: its text, and its value unless it overflows `Int`.
    case integer(text: String, value: Int?)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Key–value pairs in file order (keys may repeat; the caller decides).
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    static let maxDepth = 16

    /// Parses `bytes` as exactly one literal followed only by whitespace.
    /// - Throws: a message (without file name) saying what was expected and at which byte.
    /// - Complexity: O(bytes.count).
    static func parse(_ bytes: [UInt8]) throws(PythonLiteralError) -> PythonLiteral {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the literal") }
        return value
    }
}

/// Why a Python literal could not be parsed, e.g. `"expected ':' at byte 9"`.
struct PythonLiteralError: Error {
    let message: String
}

private struct Parser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ what: String) -> PythonLiteralError {
        PythonLiteralError(message: "\(what) at byte \(index)")
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
    }

    /// Skips whitespace and consumes `byte` if it comes next.
    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    mutating func value(depth: Int) throws(PythonLiteralError) -> PythonLiteral {
        guard depth < PythonLiteral.maxDepth else { throw error("literal nested too deeply") }
        skipSpace()
        guard let c = current else { throw error("unexpected end of header") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string(quote: c))
        case UInt8(ascii: "("): return .tuple(try sequence(close: UInt8(ascii: ")"), depth: depth))
        case UInt8(ascii: "["): return .list(try sequence(close: UInt8(ascii: "]"), depth: depth))
        case UInt8(ascii: "{"): return try dict(depth: depth)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            return try integer()
        default:
            let word = identifier()
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: throw error(word.isEmpty ? "unexpected character '\(Character(Unicode.Scalar(c)))'" : "unknown name '\(word)'")
            }
        }
    }

    mutating func string(quote: UInt8) throws(PythonLiteralError) -> String {
        index += 1
        var content = [UInt8]()
        while let c = current {
            index += 1
            if c == quote { return String(decoding: content, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                guard let escaped = current else { break }
                index += 1
                content.append(escaped)
            } else {
                content.append(c)
            }
        }
        throw error("unterminated string")
    }

    mutating func integer() throws(PythonLiteralError) -> PythonLiteral {
        let start = index
        if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") { index += 1 }
        let digitsStart = index
        while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
        guard index > digitsStart else { throw error("expected digits") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if current == UInt8(ascii: "L") || current == UInt8(ascii: "l") { index += 1 }  // Python 2 longs
        return .integer(text: text, value: Int(text))
    }

    mutating func identifier() -> String {
        let start = index
        while let c = current, (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Items up to `close`, separated by commas, with an optional trailing comma.
    mutating func sequence(close: UInt8, depth: Int) throws(PythonLiteralError) -> [PythonLiteral] {
        index += 1
        var items = [PythonLiteral]()
        while true {
            if take(close) { return items }
            items.append(try value(depth: depth + 1))
            if take(UInt8(ascii: ",")) { continue }
            guard take(close) else { throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
            return items
        }
    }

    mutating func dict(depth: Int) throws(PythonLiteralError) -> PythonLiteral {
        index += 1
        var pairs = [(key: PythonLiteral, value: PythonLiteral)]()
        while true {
            if take(UInt8(ascii: "}")) { return .dict(pairs) }
            let key = try value(depth: depth + 1)
            guard take(UInt8(ascii: ":")) else { throw error("expected ':' after a dictionary key") }
            pairs.append((key, try value(depth: depth + 1)))
            if take(UInt8(ascii: ",")) { continue }
            guard take(UInt8(ascii: "}")) else { throw error("expected ',' or '}'") }
            return .dict(pairs)
        }
    }
}
