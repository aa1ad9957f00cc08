extension Onnx_NodeProto {
    /// `node 'NAME' (OpType)`, the node's name or else its first output, for error lines.
    var label: String { "node '\(name.isEmpty ? (output.first ?? "?") : name)' (\(opType))" }

    func attribute(_ key: String) -> Onnx_AttributeProto? { attribute.first { $0.name == key } }

    func int(_ key: String, default value: Int64) -> Int64 { attribute(key).map(\.i) ?? value }

    func float(_ key: String, default value: Float) -> Float { attribute(key).map(\.f) ?? value }

    func ints(_ key: String) -> [Int64]? { attribute(key).map(\.ints) }

    func string(_ key: String) -> String? { attribute(key).map { String(decoding: $0.s, as: UTF8.self) } }

    /// The input names that are given (ONNX marks an omitted optional input by "").
    var givenInputs: [String] { input.filter { !$0.isEmpty } }
}
