/// An ONNX graph the importer cannot map exactly: one line naming the node (its name or first
/// output), its op type, and what is unsupported — never a crash, never an approximation.
public struct ONNXImportError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        (self.file, self.problem) = (file, problem)
    }

    public var description: String { "\(file): \(problem)" }
}

/// A network the exporter cannot write as ONNX (a layer without an ONNX equivalent).
public struct ONNXExportError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
