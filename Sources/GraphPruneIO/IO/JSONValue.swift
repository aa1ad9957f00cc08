/// A parsed JSON value (RFC 8259), kept close to the text so that callers can validate types
/// and report precise problems: numbers stay as their literal text, object members stay in
/// file order (duplicates included).
///
/// This small parser exists so that the safetensors reader controls every error message and never
/// silently rounds a number (Foundation's decoders do both less precisely).
indirect enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number's literal text, e.g. `"24"`, `"-1"`, `"2.5e3"`.
    case number(String)
    case bool(Bool)
    case null

    /// Nesting deeper than this is rejected, so hostile input cannot exhaust the stack.
    static let maxDepth = 64

    /// Parses `bytes` (UTF-8) as one JSON value surrounded only by whitespace.
    /// - Throws: a message saying what was expected and at which byte offset.
    /// - Complexity: O(bytes.count).
    static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// The value as an `Int` if it is an integer literal that fits, else `nil`.
    var exactInt: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text)
    }

    /// A short rendering for error messages (numbers and strings as written, containers by kind).
    var summary: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let s): "\"\(s)\""
        case .number(let text): text
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }
}

/// Why JSON text could not be parsed, e.g. `"expected ':' at byte 17"`.
struct JSONError: Error {
    let message: String
}

private struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ what: String) -> JSONError { JSONError(message: "\(what) at byte \(index)") }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(JSONError) {
        skipSpace()
        guard current == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw error("JSON nested too deeply") }
        skipSpace()
        guard let c = current else { throw error("unexpected end of JSON") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw error("unexpected character")
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw error("expected '\(word)'")
        }
        index += expected.count
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        index += 1
        var members = [(key: String, value: JSONValue)]()
        skipSpace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard let c = current, c == UInt8(ascii: ",") || c == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
            index += 1
            if c == UInt8(ascii: "}") { return .object(members) }
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        index += 1
        var items = [JSONValue]()
        skipSpace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard let c = current, c == UInt8(ascii: ",") || c == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
            index += 1
            if c == UInt8(ascii: "]") { return .array(items) }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as text.
    mutating func number() throws(JSONError) -> JSONValue {
        let start = index
        func digits(_ p: inout JSONParser) -> Int {
            let from = p.index
            while let c = p.current, c >= 0x30 && c <= 0x39 { p.index += 1 }
            return p.index - from
        }
        if current == UInt8(ascii: "-") { index += 1 }
        let leadingZero = current == UInt8(ascii: "0")
        let integerDigits = digits(&self)
        guard integerDigits > 0, !(leadingZero && integerDigits > 1) else { throw error("malformed number") }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("malformed number") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("malformed number") }
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    /// `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`: escape letter → byte.
    static let simpleEscapes: [UInt8: UInt8] = [
        0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09,
    ]

    mutating func string() throws(JSONError) -> String {
        index += 1
        var out = [UInt8]()
        while let c = current {
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = current else { throw error("unterminated string") }
                index += 1
                if let replacement = Self.simpleEscapes[e] {
                    out.append(replacement)
                } else if e == UInt8(ascii: "u") {
                    out.append(contentsOf: Array(String(try unicodeEscape()).utf8))
                } else {
                    throw error("invalid escape in string")
                }
            case 0..<0x20:
                throw error("control character in string")
            default:
                out.append(c)
            }
        }
        throw error("unterminated string")
    }

    /// The scalar of `\uXXXX` (the `\u` already consumed), joining a surrogate pair.
    mutating func unicodeEscape() throws(JSONError) -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800..<0xDC00).contains(high) {
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate in string")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            else { throw error("unpaired surrogate in string") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("unpaired surrogate in string") }
        return scalar
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count,
            bytes[index..<(index + 4)].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
            let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
        else { throw error("malformed \\u escape") }
        index += 4
        return value
    }
}

/// `text` as a JSON string literal: quotes, backslashes and control characters escaped.
package func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
