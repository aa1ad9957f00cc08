import Foundation
import GraphPruneIO
import GraphPruneNetwork

/// The model files every `--model`, `--output` and `--save` option takes, chosen by extension:
/// `.onnx` is an ONNX model (`ONNXImport`, `ONNXExport`); anything else a graphprune checkpoint
/// (`ModelCheckpoint`: safetensors holding a PyTorch-style state dict and the architecture).
public enum ModelFile {
    public enum Format: Sendable { case checkpoint, onnx }

    public static func format(of url: URL) -> Format {
        url.pathExtension.lowercased() == "onnx" ? .onnx : .checkpoint
    }

    /// The model in `url` and its metadata (a checkpoint's `__metadata__`, an ONNX model's
    /// `metadata_props`).
    public static func load(_ url: URL) throws -> (model: Network, metadata: [String: String]) {
        switch format(of: url) {
        case .onnx: try ONNXImport.load(url)
        case .checkpoint: try ModelCheckpoint.load(url)
        }
    }

    /// The model in `data`, the bytes of a file named like `url` (its extension chooses the
    /// format; its path labels errors).
    public static func read(_ data: Data, url: URL) throws -> (model: Network, metadata: [String: String]) {
        switch format(of: url) {
        case .onnx: try ONNXImport.read(data, name: url.path)
        case .checkpoint: try ModelCheckpoint.read(data, name: url.path)
        }
    }

    /// Writes `model` with `metadata` in the format of `url`'s extension, atomically (a
    /// checkpoint's own keys, `architecture` and `format`, are not copied into ONNX).
    public static func save(_ model: Network, to url: URL, metadata: [String: String] = [:]) throws {
        switch format(of: url) {
        case .onnx:
            let carried = metadata.filter { $0.key != "architecture" && $0.key != ModelCheckpoint.formatKey }
            try ONNXExport.write(model, to: url, metadata: carried)
        case .checkpoint: try ModelCheckpoint.save(model, to: url, metadata: metadata)
        }
    }
}
