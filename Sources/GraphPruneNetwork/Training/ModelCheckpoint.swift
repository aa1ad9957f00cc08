import Foundation
import GraphPruneIO
import GraphPruneNumerics

/// A `Sequential` saved as safetensors, tensors named as PyTorch names those of an
/// `nn.Sequential` called `layers` (position `i` in the layer list), and the architecture as
/// JSON in the `__metadata__` (key `architecture`), so that a checkpoint reloads exactly and its
/// tensors load into PyTorch by name:
/// - Dense: `layers.{i}.weight` (F32, out × in), `layers.{i}.bias`;
/// - sparse Dense: the same, zeros where no connection exists, plus `layers.{i}.mask` (1 where a
///   connection exists — a connection may hold the weight 0, e.g. just regrown);
/// - Conv2D: `layers.{i}.weight` (`filters × C × k × k`, PyTorch OIHW), `layers.{i}.bias`, and for
///   an edge-pruned convolution `layers.{i}.mask` (same shape, 1 = kept connection);
/// - SReLU: `layers.{i}.t_left`, `a_left`, `t_right`, `a_right`.
public enum ModelCheckpoint {
    public static let formatKey = "format"
    public static let format = "graphprune-sequential-1"

    public static func save(_ model: Sequential, to url: URL, metadata: [String: String] = [:]) throws {
        var tensors = [String: Tensor]()
        func vector(_ v: [Float]) -> Tensor { Tensor(shape: [v.count], storage: .float32(v)) }
        for (i, layer) in model.layers.enumerated() {
            let name = "layers.\(i)"
            switch layer {
            case let d as Dense:
                tensors["\(name).weight"] = Tensor(d.weight)
                tensors["\(name).bias"] = vector(d.bias)
            case let s as SparseDense:
                tensors["\(name).weight"] = Tensor(s.denseWeight())
                var mask = Matrix<Float>(rows: s.outputs, columns: s.inputs)
                for c in s.pattern() { mask[c.output, c.input] = 1 }
                tensors["\(name).mask"] = Tensor(mask)
                tensors["\(name).bias"] = vector(s.bias)
            case let c as Conv2D:
                tensors["\(name).weight"] = Tensor(
                    shape: [c.filters, c.input.channels, c.kernelHeight, c.kernelWidth], storage: .float32(c.weight.elements))
                tensors["\(name).bias"] = vector(c.bias)
                if let mask = c.mask {
                    tensors["\(name).mask"] = Tensor(
                        shape: [c.filters, c.input.channels, c.kernelHeight, c.kernelWidth], storage: .float32(mask.elements))
                }
            case let r as SReLU:
                tensors["\(name).t_left"] = vector(r.tLeft)
                tensors["\(name).a_left"] = vector(r.aLeft)
                tensors["\(name).t_right"] = vector(r.tRight)
                tensors["\(name).a_right"] = vector(r.aRight)
            default:
                break  // no parameters
            }
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
        let shapes = try architecture.shapes()
        func tensor(_ key: String, shape: [Int]) throws -> [Float] {
            guard let t = tensors[key] else { throw FileFormatError(file: name, problem: "tensor \(key) is missing") }
            guard t.shape == shape else {
                throw FileFormatError(file: name, problem: "tensor \(key) has shape \(t.shape); the architecture needs \(shape)")
            }
            let m = try Tensor(shape: [1, t.elementCount], storage: t.storage).matrix(Float.self, name: "\(name) tensor \(key)")
            if let bad = m.elements.firstIndex(where: { !$0.isFinite }) {
                throw FileFormatError(file: name, problem: "tensor \(key) entry \(bad) is not finite")
            }
            return m.elements
        }
        var layers = [any Layer]()
        for (i, spec) in architecture.layers.enumerated() {
            let key = "layers.\(i)"
            let s = shapes[i], input = ImageShape(channels: s[0], height: s[1], width: s[2])
            switch spec {
            case .dense(let outputs):
                let weight = try tensor("\(key).weight", shape: [outputs, input.size])
                layers.append(Dense(
                    weight: Matrix(rows: outputs, columns: input.size, elements: weight),
                    bias: try tensor("\(key).bias", shape: [outputs])))
            case .sparseDense(let outputs, _):
                let weight = try tensor("\(key).weight", shape: [outputs, input.size])
                let mask = try tensor("\(key).mask", shape: [outputs, input.size])
                var connections = [(output: Int, input: Int)](), values = [Float]()
                for k in mask.indices where mask[k] != 0 {
                    connections.append((k / input.size, k % input.size))
                    values.append(weight[k])
                }
                layers.append(SparseDense(
                    inputs: input.size, outputs: outputs, connections: connections, values: values,
                    bias: try tensor("\(key).bias", shape: [outputs])))
            case .conv2d(let filters, let kernel, let same):
                let shape = [filters, input.channels, kernel, kernel]
                let weight = try tensor("\(key).weight", shape: shape)
                let taps = input.channels * kernel * kernel
                let mask = try tensors["\(key).mask"].map { _ in
                    Matrix(rows: filters, columns: taps, elements: try tensor("\(key).mask", shape: shape))
                }
                layers.append(Conv2D(
                    input: input, kernel: (kernel, kernel),
                    weight: Matrix(rows: filters, columns: taps, elements: weight),
                    bias: try tensor("\(key).bias", shape: [filters]), padding: same ? .same : .valid, mask: mask))
            case .maxPool(let size): layers.append(MaxPool2D(input: input, size: size))
            case .globalAveragePooling: layers.append(GlobalAveragePooling(input: input))
            case .relu: layers.append(ReLU())
            case .srelu:
                let n = input.size
                layers.append(SReLU(
                    tLeft: try tensor("\(key).t_left", shape: [n]), aLeft: try tensor("\(key).a_left", shape: [n]),
                    tRight: try tensor("\(key).t_right", shape: [n]), aRight: try tensor("\(key).a_right", shape: [n])))
            case .dropout(let rate): layers.append(Dropout(rate: Float(rate)))
            }
        }
        return (Sequential(architecture: architecture, layers: layers), metadata)
    }
}
