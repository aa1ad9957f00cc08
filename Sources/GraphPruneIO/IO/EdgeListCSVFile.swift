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
        var edges = [WeightedEdge]()
        var lines = [Int]()
        var largestId = -1
        var seenContent = false
        try TextFields.forEachLine(text) { number, line in
            if line.isEmpty { return }
            let fields = TextFields.commaFields(line)
            defer { seenContent = true }
            if !seenContent && isHeader(fields) { return }
            do throws(TextProblem) {
                let edge = try parseEdge(fields)
                edges.append(edge)
                lines.append(number)
                largestId = max(largestId, edge.source, edge.target)
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
