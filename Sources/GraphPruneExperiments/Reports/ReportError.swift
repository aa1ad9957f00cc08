/// A table or plot that cannot be produced from the values it was given.
///
/// `subject` names what was being built (`"CSV table"`, `"Markdown table"`, a chart's title)
/// and `problem` says what is wrong in one line, e.g. `"row 3 has 4 cells, the header has 5"`.
/// `description` is `"<subject>: <problem>"`, the line the CLI prints to stderr.
public struct ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was being built.
    public let subject: String
    /// What is wrong, in one line.
    public let problem: String

    public init(subject: String, problem: String) {
        self.subject = subject
        self.problem = problem
    }

    public var description: String { "\(subject): \(problem)" }
}
