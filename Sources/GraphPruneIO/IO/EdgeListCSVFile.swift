import Foundation
import GraphPruneGraphs

/// Reading a graph from an edge-list CSV file.
///
/// Accepted layout:
/// ```
/// source,target,weight          optional header: a first line whose first two fields are not numbers
/// 0,1,0.5                       0-based non-negative integer node ids, finite weight
/// 1,2                           two fields ⇒ weight 1
/// ```
/// Blank lines are skipped, fields are trimmed of surrounding whitespace, `\r\n` line ends are
/// fine. There is no quoting. `nodeCount` is the largest id plus one (0 without edges); edges are
/// kept in file order, neither de-duplicated nor symmetrised, and `lines` records each edge's
/// 1-based line.
public enum EdgeListCSVFile {
    /// Reads the graph in the CSV file at `url`.
    /// - Throws: `FileFormatError` naming the path and, for a malformed edge, the line.
    /// - Complexity: O(file size).
    public static func readGraph(from url: URL) throws -> EdgeList {
        try readGraph(text: FileContents.text(of: url), name: url.path)
    }

    /// Parses CSV `text`; `name` identifies it in errors.
    /// - Throws: `FileFormatError` for a wrong field count, a negative or non-integer node id,
    ///   or a non-numeric, NaN or infinite weight, naming the line.
    /// - Complexity: O(text length).
    public static func readGraph(text: String, name: String) throws -> EdgeList {
        try readGraph(text: text, name: name, plainLines: true)
    }

    /// With `plainLines`, a line of plain ASCII `id,id[,number]` after the first content line is
    /// read straight from its bytes (`plainEdge`); every other line — the first (which may be a
    /// header), blank, Unicode, signed, malformed — goes through the general field parser, which
    /// gives the same edge or the error. Without it every line does (the reference for tests).
    static func readGraph(text: String, name: String, plainLines: Bool) throws -> EdgeList {
        var edges = [WeightedEdge]()
        var lines = [Int]()
        var largestId = -1
        var seenContent = false
        func add(_ edge: WeightedEdge, line number: Int) {
            edges.append(edge)
            lines.append(number)
            largestId = max(largestId, edge.source, edge.target)
        }
        try TextFields.forEachRawLine(text) { number, bytes in
            if plainLines && seenContent, let edge = plainEdge(bytes) { return add(edge, line: number) }
            let line = TextFields.trimmedLine(bytes)
            if line.isEmpty { return }
            let fields = TextFields.commaFields(line)
            defer { seenContent = true }
            if !seenContent && isHeader(fields) { return }
            do throws(TextProblem) {
                add(try parseEdge(fields), line: number)
            } catch {
                throw FileFormatError(file: name, problem: "line \(number): \(error.message)")
            }
        }
        // Node ids are 0-based: the count is one more than the largest, which the graph's
        // memory check then bounds (an id of Int.max has no count).
        guard largestId < Int.max else {
            throw FileFormatError(file: name, problem: "node id \(largestId) leaves no room for a node count (ids must be below \(Int.max))")
        }
        return EdgeList(nodeCount: largestId + 1, edges: edges, lines: lines)
    }

    /// The edge of a line that is plain ASCII `id,id` or `id,id,number` — unsigned decimal ids
    /// below `Int.max`, a weight of the characters `0-9 . e E + -` that `strtod` reads whole
    /// to a finite value, spaces or tabs around fields, blanks at the ends — or nil for
    /// anything else. Where it returns an edge, the general parser returns the same one
    /// (`Double(String)` is `strtod` in the C locale, correctly rounded).
    private static func plainEdge(_ line: UnsafeBufferPointer<UInt8>) -> WeightedEdge? {
        let kept = TextFields.asciiTrimmed(line)
        let hi = kept.upperBound
        var i = kept.lowerBound
        func skipFieldBlanks() { while i < hi && TextFields.isBlank(line[i], newlines: false) { i += 1 } }
        func id() -> Int? {
            skipFieldBlanks()
            let start = i
            var value = 0
            while i < hi, line[i] >= 0x30, line[i] <= 0x39 {
                let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = shifted.addingReportingOverflow(Int(line[i] &- 0x30))
                if o1 || o2 { return nil }
                value = sum
                i += 1
            }
            skipFieldBlanks()
            return i > start && value < Int.max ? value : nil
        }
        guard let source = id(), i < hi, line[i] == 0x2C else { return nil }
        i += 1
        guard let target = id() else { return nil }
        if i == hi { return WeightedEdge(source, target, 1) }
        guard line[i] == 0x2C else { return nil }
        i += 1
        skipFieldBlanks()
        let start = i
        while i < hi, isNumberByte(line[i]) { i += 1 }
        let length = i - start
        skipFieldBlanks()
        guard length > 0, length < 64, i == hi else { return nil }
        let weight: Double? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { token in
            for k in 0..<length { token[k] = CChar(bitPattern: line[start + k]) }
            token[length] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(token.baseAddress!, &end)
            return end == token.baseAddress! + length && value.isFinite ? value : nil
        }
        return weight.map { WeightedEdge(source, target, $0) }
    }

    /// `0-9 . e E + -`: the bytes a plain weight token may hold.
    @inline(__always)
    private static func isNumberByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
             UInt8(ascii: "+"), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// A header is a first line whose first two fields are not numbers (e.g. `source,target`).
    private static func isHeader(_ fields: [String]) -> Bool {
        fields.prefix(2).allSatisfy { Double($0) == nil }
    }

    private static func parseEdge(_ fields: [String]) throws(TextProblem) -> WeightedEdge {
        guard fields.count == 2 || fields.count == 3 else {
            throw TextProblem("expected 2 or 3 fields (source,target[,weight]), got \(fields.count)")
        }
        var ids = [Int]()
        for (text, what) in zip(fields, ["source node id", "target node id"]) {
            let id = try TextFields.integer(text, what: what)
            guard id >= 0 else { throw TextProblem("\(what) \(id) is negative") }
            guard id < Int.max else { throw TextProblem("\(what) \(id) is too large") }
            ids.append(id)
        }
        let weight = fields.count == 3 ? try TextFields.finiteNumber(fields[2], what: "weight") : 1
        return WeightedEdge(ids[0], ids[1], weight)
    }
}
