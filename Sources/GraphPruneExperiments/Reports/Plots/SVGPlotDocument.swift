import Foundation

/// A minimal, deterministic SVG writer shared by the charts.
///
/// Elements are appended in drawing order (later ones paint over earlier ones). Attribute
/// order is the order given, every coordinate is printed with exactly two decimals and every
/// text is XML-escaped, so the same calls always produce byte-identical output.
struct SVGDocument {
    let width: Double
    let height: Double
    private var lines: [String] = []
    private var depth = 1

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// An empty element `<name a="v" …/>`; with `text`, `<name …>text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        let attributeText = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
        let indent = String(repeating: "  ", count: depth)
        if let text {
            lines.append("\(indent)<\(name)\(attributeText)>\(Self.escape(text))</\(name)>")
        } else {
            lines.append("\(indent)<\(name)\(attributeText)/>")
        }
    }

    /// Opens a group `<g …>`; close it with `endGroup()`.
    mutating func beginGroup(_ attributes: [(String, String)]) {
        let attributeText = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
        lines.append(String(repeating: "  ", count: depth) + "<g\(attributeText)>")
        depth += 1
    }

    mutating func endGroup() {
        precondition(depth > 1, "endGroup without beginGroup")
        depth -= 1
        lines.append(String(repeating: "  ", count: depth) + "</g>")
    }

    /// `<text>` at (x, y) with the given anchor (`start`, `middle`, `end`) and extra attributes.
    mutating func text(
        _ string: String, x: Double, y: Double, anchor: String = "start", _ extra: [(String, String)] = []
    ) {
        element("text", [("x", Self.fixed(x)), ("y", Self.fixed(y)), ("text-anchor", anchor)] + extra, text: string)
    }

    /// A straight line segment.
    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ extra: [(String, String)]) {
        element(
            "line",
            [("x1", Self.fixed(x1)), ("y1", Self.fixed(y1)), ("x2", Self.fixed(x2)), ("y2", Self.fixed(y2))] + extra)
    }

    /// The complete standalone document (XML declaration, `<svg>` root with the SVG namespace).
    /// `title` becomes the document's `<title>` (shown as a tooltip, read by screen readers).
    func document(title: String) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""
        out += " width=\"\(Self.fixed(width))\" height=\"\(Self.fixed(height))\""
        out += " viewBox=\"0 0 \(Self.fixed(width)) \(Self.fixed(height))\""
        out += " font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        out += "  <title>\(Self.escape(title))</title>\n"
        out += "  <rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        for line in lines { out += line + "\n" }
        precondition(depth == 1, "unclosed group in SVG document")
        return out + "</svg>\n"
    }

    /// `value` with two decimals. Coordinates are finite by construction (charts drop
    /// non-finite data before mapping); a non-finite value here is a bug in the chart code.
    static func fixed(_ value: Double) -> String {
        precondition(value.isFinite, "non-finite coordinate in SVG output")
        let text = String(format: "%.2f", value)
        return text == "-0.00" ? "0.00" : text
    }

    /// Escapes `& < > " '` and drops the control characters XML 1.0 forbids (all below
    /// U+0020 except tab, LF and CR).
    static func escape(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// Rough text extents for layout, for a sans-serif font at 12 px: 0.62 em per character is a
/// little wider than Helvetica's average, so estimates err on the side of more room.
enum TextMetrics {
    static let fontSize = 12.0
    static func width(_ string: String, fontSize: Double = fontSize) -> Double {
        Double(string.count) * 0.62 * fontSize
    }
}
