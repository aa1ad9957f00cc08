/// An edge list that is not a simple undirected graph: a node id out of range, a weight that is
/// not finite, a self loop, or an edge listed twice with different weights.
///
/// `description` is `"<source>: <problem>"`, one line naming the file (or the name given to the
/// list) and the line or edge at fault; the file readers report it as their own format error.
public struct EdgeListError: Error, CustomStringConvertible, Equatable {
    /// The file the list was read from, or the name given to it.
    public let source: String
    /// What is wrong, in one line, e.g. `"line 7: node id -1 is outside 0..<5"`.
    public let problem: String

    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }

    public var description: String { "\(source): \(problem)" }
}
