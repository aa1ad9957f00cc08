import Foundation
import GraphPruneGraphs

/// Reading a graph's adjacency matrix from a Matrix Market coordinate file (`.mtx`).
///
/// Accepted layout:
/// ```
/// %%MatrixMarket matrix coordinate <real|integer|pattern> <general|symmetric>
/// % comment lines start with '%' (blank lines are skipped too)
/// rows columns entries           (rows == columns: an adjacency matrix)
/// i j [value]                    exactly `entries` lines, 1-based indices
/// ```
/// The banner words are case-insensitive. `pattern` entries get weight 1; `integer` values must
/// be integers; values must be finite. Each entry becomes one `WeightedEdge` with 0-based ids,
/// in file order, and `lines` records its 1-based line. Entries are neither de-duplicated nor
/// mirrored here — for `symmetric` files only one triangle is listed, and that is fine because
/// the graph built from the list is undirected.
public enum MatrixMarketFile {
    /// Reads the graph in the Matrix Market file at `url`.
    /// - Throws: `FileFormatError` naming the path, and the line for a malformed entry.
    /// - Complexity: O(file size).
    public static func readGraph(from url: URL) throws -> EdgeList {
        try readGraph(text: FileContents.text(of: url), name: url.path)
    }

    /// Parses Matrix Market `text`; `name` identifies it in errors.
    /// - Throws: `FileFormatError` for a missing or unsupported banner (array, complex,
    ///   hermitian, skew-symmetric), a non-square or malformed size line, an index out of range,
    ///   a missing, non-numeric or non-finite value, or more or fewer entries than announced.
    /// - Complexity: O(text length).
    public static func readGraph(text: String, name: String) throws -> EdgeList {
        func fail(_ line: Int, _ problem: String) -> FileFormatError {
            FileFormatError(file: name, problem: "line \(line): \(problem)")
        }
        var field: Field?
        var size: (nodes: Int, entries: Int, line: Int)?
        var edges = [WeightedEdge]()
        var lines = [Int]()

        try TextFields.forEachLine(text) { number, line in
            guard let field else {
                field = try parseBanner(line, fail: { fail(number, $0) })
                return
            }
            if line.isEmpty || line.hasPrefix("%") { return }
            let fields = TextFields.whitespaceFields(line)
            guard let size else {
                size = try parseSize(fields, line: number, fail: { fail(number, $0) })
                edges.reserveCapacity(min(size?.entries ?? 0, 1 << 20))
                lines.reserveCapacity(min(size?.entries ?? 0, 1 << 20))
                return
            }
            guard edges.count < size.entries else {
                throw fail(number, "more entries than the \(size.entries) announced on line \(size.line)")
            }
            do throws(TextProblem) {
                edges.append(try parseEntry(fields, field: field, nodes: size.nodes))
                lines.append(number)
            } catch {
                throw fail(number, error.message)
            }
        }
        guard field != nil else { throw FileFormatError(file: name, problem: "file is empty (no %%MatrixMarket banner)") }
        guard let size else { throw FileFormatError(file: name, problem: "no size line after the banner") }
        guard edges.count == size.entries else {
            throw FileFormatError(
                file: name,
                problem: "file ends after \(edges.count) of the \(size.entries) entries announced on line \(size.line)")
        }
        return EdgeList(nodeCount: size.nodes, edges: edges, lines: lines)
    }

    /// The value type named in the banner.
    enum Field { case real, integer, pattern }

    private static func parseBanner(_ line: String, fail: (String) -> FileFormatError) throws -> Field {
        let words = TextFields.whitespaceFields(line.lowercased())
        guard words.first == "%%matrixmarket" else {
            throw fail("missing '%%MatrixMarket matrix coordinate <field> <symmetry>' banner")
        }
        guard words.count == 5 else {
            throw fail("banner must be '%%MatrixMarket matrix coordinate <field> <symmetry>', got \(words.count) words")
        }
        guard words[1] == "matrix" else { throw fail("object '\(words[1])' is not supported (matrix only)") }
        switch words[2] {
        case "coordinate": break
        case "array": throw fail("array (dense) format is not supported; use coordinate")
        default: throw fail("unknown format '\(words[2])' (coordinate only)")
        }
        let field: Field
        switch words[3] {
        case "real", "double": field = .real
        case "integer": field = .integer
        case "pattern": field = .pattern
        case "complex": throw fail("complex values are not supported (real, integer or pattern only)")
        default: throw fail("unknown field '\(words[3])' (real, integer or pattern only)")
        }
        switch words[4] {
        case "general", "symmetric": return field
        case "hermitian", "skew-symmetric":
            throw fail("\(words[4]) matrices are not supported (general or symmetric only)")
        default: throw fail("unknown symmetry '\(words[4])' (general or symmetric only)")
        }
    }

    private static func parseSize(
        _ fields: [Substring], line: Int, fail: (String) -> FileFormatError
    ) throws -> (nodes: Int, entries: Int, line: Int) {
        guard fields.count == 3 else {
            throw fail("size line must be 'rows columns entries', got \(fields.count) fields")
        }
        var numbers = [Int]()
        for (text, what) in zip(fields, ["row count", "column count", "entry count"]) {
            do throws(TextProblem) {
                let value = try TextFields.integer(text, what: what)
                guard value >= 0 else { throw TextProblem("\(what) \(value) is negative") }
                numbers.append(value)
            } catch {
                throw fail(error.message)
            }
        }
        guard numbers[0] == numbers[1] else {
            throw fail("adjacency matrix must be square, got \(numbers[0]) × \(numbers[1])")
        }
        return (numbers[0], numbers[2], line)
    }

    private static func parseEntry(
        _ fields: [Substring], field: Field, nodes: Int
    ) throws(TextProblem) -> WeightedEdge {
        let expected = field == .pattern ? 2 : 3
        if fields.count == 2 && expected == 3 { throw TextProblem("missing value (expected 'row column value')") }
        guard fields.count == expected else {
            let form = expected == 2 ? "'row column' for a pattern matrix" : "'row column value'"
            throw TextProblem("expected \(expected) fields \(form), got \(fields.count)")
        }
        var ids = [Int]()
        for (text, what) in zip(fields, ["row index", "column index"]) {
            let index = try TextFields.integer(text, what: what)
            guard index >= 1 && index <= nodes else {
                throw TextProblem("\(what) \(index) is out of range 1...\(nodes)")
            }
            ids.append(index - 1)
        }
        let weight: Double
        switch field {
        case .pattern: weight = 1
        case .integer: weight = Double(try TextFields.integer(fields[2], what: "value"))
        case .real: weight = try TextFields.finiteNumber(fields[2], what: "value")
        }
        return WeightedEdge(ids[0], ids[1], weight)
    }
}
