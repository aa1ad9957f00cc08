import Foundation
import GraphPruneIO
import GraphPruneNetwork
import SwiftProtobuf

/// Reads an ONNX model (a PyTorch, Keras or JAX network exported with its weights) into a
/// `Network`: each supported ONNX node becomes a node of the architecture, its initializers the
/// node's state tensors, named as PyTorch names them.
///
/// **Names.** A node with weights takes the name of its weight initializer without `.weight`
/// (`layer1.0.conv1.weight` → node `layer1.0.conv1`), so the state tensors, and whatever
/// graphprune writes from them (checkpoints, ONNX, state dicts), keep the original parameter
/// names. Nodes without weights keep the ONNX node's name (or its first output's).
///
/// **Mapping** (opsets 11–21, default domain): `Conv` (square kernels, equal strides and
/// dilations, symmetric pads, any groups), `Gemm` (transA 0, any transB, alpha, beta),
/// `MatMul` by a constant (+ `Add` of a constant folded into its bias), `BatchNormalization`,
/// `Relu`, `Clip`, `MaxPool`, `AveragePool` (floor mode, symmetric pads), `GlobalAveragePool`,
/// `Flatten` (axis 1), `Reshape` to `[batch, features]`, `Add` of two activations, `Identity`,
/// `Dropout`, `Constant`, and `Add`/`Sub`/`Mul`/`Div` of an activation and a constant that is a
/// scalar or one value per channel (`ChannelAffine`; consecutive ones compose into one node).
/// Everything else is an `ONNXImportError` naming the node, its op type and what is
/// unsupported.
///
/// The graph's one input is `N × C × H × W` or `N × F` (N symbolic or fixed); its one output is
/// the logits.
public enum ONNXImport {
    /// Opsets of the default domain that the mapping was written against.
    public static let supportedOpsets: ClosedRange<Int64> = 11...21

    /// The network in `url` and its metadata (the model's `metadata_props`, where graphprune
    /// writes the input preprocessing).
    public static func load(_ url: URL) throws -> (model: Network, metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileFormatError(file: url.path, problem: "cannot be read: \(error.localizedDescription)")
        }
        return try read(data, name: url.path)
    }

    /// The network of the serialised `ModelProto` in `data` (`name` labels errors).
    public static func read(_ data: Data, name: String) throws -> (model: Network, metadata: [String: String]) {
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.discardUnknownFields = true
            model = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw FileFormatError(file: name, problem: "not an ONNX model (protobuf decoding failed: \(error))")
        }
        guard model.hasGraph else { throw FileFormatError(file: name, problem: "not an ONNX model (no graph)") }
        let opset = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0
        guard supportedOpsets.contains(opset) else {
            throw ONNXImportError(file: name, problem: "opset \(opset) of the default domain is not supported (\(supportedOpsets.lowerBound)–\(supportedOpsets.upperBound))")
        }
        var builder = try ONNXGraphBuilder(graph: model.graph, file: name, opset: opset)
        for node in model.graph.node { try builder.add(node) }
        let network = try builder.network()
        var metadata = [String: String]()
        for entry in model.metadataProps { metadata[entry.key] = entry.value }
        return (network, metadata)
    }
}
