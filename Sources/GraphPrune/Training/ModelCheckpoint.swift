import Foundation

/// A `Sequential` saved as safetensors: `layers.{i}.weight` (F32, out × in) and
/// `layers.{i}.bias` for every Dense layer at position `i`, and the architecture as JSON in the
/// `__metadata__` (key `architecture`), so that the checkpoint reloads exactly and its tensors
/// load into a PyTorch `nn.Sequential` named `layers` by name.
public enum ModelCheckpoint {
    public static let formatKey = "format"
    public static let format = "graphprune-sequential-1"

    public static func save(_ model: Sequential, to url: URL, metadata: [String: String] = [:]) throws {
        var tensors = [String: Tensor]()
        for (position, dense) in model.denseLayers {
            tensors["layers.\(position).weight"] = Tensor(dense.weight)
            tensors["layers.\(position).bias"] = Tensor(shape: [dense.bias.count], storage: .float32(dense.bias))
        }
        var meta = metadata
        meta["architecture"] = model.architecture.json()
        meta[formatKey] = format
        try SafetensorsFile.write(tensors, metadata: meta, to: url)
    }

    /// The model in `url`; every mismatch between the architecture and the tensors is an error
    /// naming the file and the tensor.
    public static func load(_ url: URL) throws -> (model: Sequential, metadata: [String: String]) {
        let name = url.path
        let (tensors, metadata) = try SafetensorsFile.read(from: url)
        guard let json = metadata["architecture"] else {
            throw FileFormatError(file: name, problem: "no 'architecture' in the metadata: not a graphprune checkpoint")
        }
        let architecture = try Architecture.fromJSON(json, name: name)
        let sizes = architecture.sizes
        var layers = [any Layer]()
        for (i, spec) in architecture.layers.enumerated() {
            switch spec {
            case .dense(let outputs):
                guard let w = tensors["layers.\(i).weight"], let b = tensors["layers.\(i).bias"] else {
                    throw FileFormatError(file: name, problem: "tensor layers.\(i).weight or layers.\(i).bias is missing")
                }
                guard w.shape == [outputs, sizes[i]], b.shape == [outputs] else {
                    throw FileFormatError(file: name, problem: "layers.\(i) has shapes \(w.shape) and \(b.shape); the architecture needs [\(outputs), \(sizes[i])] and [\(outputs)]")
                }
                let weight = try w.matrix(Float.self, name: "\(name) tensor layers.\(i).weight")
                let bias = try b.matrix(Float.self, name: "\(name) tensor layers.\(i).bias", asRow: true)
                layers.append(Dense(weight: weight, bias: bias.elements))
            case .relu: layers.append(ReLU())
            case .dropout(let rate): layers.append(Dropout(rate: Float(rate)))
            }
        }
        return (Sequential(architecture: architecture, layers: layers), metadata)
    }
}

extension Tensor {
    /// A 1-D tensor as a one-row matrix (`asRow`), otherwise as `matrix(_:name:)`.
    func matrix<S: BLASScalar>(_ type: S.Type, name: String, asRow: Bool) throws -> Matrix<S> {
        guard asRow, shape.count == 1 else { return try matrix(type, name: name) }
        return try Tensor(shape: [1, shape[0]], storage: storage).matrix(type, name: name)
    }
}
