import Foundation
import GraphPruneIO
import GraphPruneNetwork
import SwiftProtobuf

/// Writes a `Network` as an ONNX model (opset 17, IR version 8) that onnxruntime runs and
/// `ONNXImport` reads back into the same network.
///
/// Every state tensor of a node becomes an initializer named `{node}.{tensor}` — the PyTorch
/// parameter names an imported model came with (`layer1.0.conv1.weight`). The graph's input is
/// `input` (`N × C × H × W`, or `N × F` for a vector input) and its output `logits`
/// (`N × classes`), `N` symbolic. Nodes map one to one, except that a Dense layer reading an
/// image gets a `Flatten` first and a channel affine map is a `Mul` and an `Add` by constants.
///
/// Edge-pruned layers are written dense, zeros where connections were removed; their masks are
/// initializers `{node}.weight_mask` that the graph does not read (onnxruntime drops them) and
/// that `ONNXImport` turns back into sparse layers. BatchNorm is written as
/// `BatchNormalization` with its running statistics (not folded), so the model can be
/// fine-tuned again after import.
///
/// Layers without an ONNX operator (SReLU) are an `ONNXExportError` naming the node.
public enum ONNXExport {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    /// Writes `model` to `url` atomically, `metadata` as the model's `metadata_props`.
    public static func write(_ model: Network, to url: URL, metadata: [String: String] = [:]) throws {
        let data = try serialized(model, metadata: metadata)
        try AtomicFile.write(data, to: url)
    }

    /// The serialised `ModelProto` of `model`.
    public static func serialized(_ model: Network, metadata: [String: String] = [:]) throws -> Data {
        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        proto.producerName = "graphprune"
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = opset
        proto.opsetImport = [opsetID]
        var writer = ONNXGraphWriter(model: model)
        proto.graph = try writer.graph()
        proto.metadataProps = metadata.keys.sorted().map { key in
            var entry = Onnx_StringStringEntryProto()
            (entry.key, entry.value) = (key, metadata[key]!)
            return entry
        }
        return try proto.serializedData()
    }
}
