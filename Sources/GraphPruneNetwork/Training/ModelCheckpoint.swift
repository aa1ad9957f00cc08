import Foundation
import GraphPruneIO
import GraphPruneNumerics

/// A `Network` saved as safetensors: each node's state tensors (`Layer.stateTensors`) named
/// `{node}.{tensor}` as a PyTorch state dict names them, and the architecture as JSON in the
/// `__metadata__` (key `architecture`), so that a checkpoint reloads exactly and its tensors
/// load into PyTorch by name. In a chain the nodes are `layers.{i}`; in a built-in graph they
/// are PyTorch module paths (`layer1.0.conv1.weight`, `layer1.0.bn1.running_mean`).
/// - Dense: `weight` (F32, out × in), `bias`;
/// - sparse Dense: the same, zeros where no connection exists, plus `weight_mask` (1 where a
///   connection exists — a connection may hold the weight 0, e.g. just regrown), named as
///   `torch.nn.utils.prune` names a mask (`mask` before 0.7, still read);
/// - Conv2D: `weight` (`filters × C/g × k × k`, PyTorch OIHW), `bias` (unless the convolution
///   has none), and for an edge-pruned convolution `weight_mask` (same shape, 1 = kept connection);
/// - BatchNorm: `weight` γ, `bias` β, `running_mean`, `running_var`;
/// - SReLU: `t_left`, `a_left`, `t_right`, `a_right`.
/// (A constant channel affine map keeps its constants in the architecture, not as tensors, so
/// that an imported model's state dict has exactly the tensors PyTorch's has.)
public enum ModelCheckpoint {
    public static let formatKey = "format"
    /// Written into every checkpoint's metadata.
    public static let format = "graphprune-network-1"

    public static func save(_ model: Network, to url: URL, metadata: [String: String] = [:]) throws {
        var tensors = [String: Tensor]()
        for (i, layer) in model.layers.enumerated() {
            for state in layer.stateTensors { tensors["\(model.architecture.names[i]).\(state.name)"] = state.tensor }
        }
        var meta = metadata
        meta["architecture"] = model.architecture.json()
        meta[formatKey] = format
        try SafetensorsFile.write(tensors, metadata: meta, to: url)
    }

    /// The model in `url`; every mismatch between the architecture and the tensors is an error
    /// naming the file and the tensor.
    public static func load(_ url: URL) throws -> (model: Network, metadata: [String: String]) {
        try read(SafetensorsFile.read(from: url), name: url.path)
    }

    /// The model in a checkpoint's bytes (`name` labels errors).
    public static func read(_ data: Data, name: String) throws -> (model: Network, metadata: [String: String]) {
        try read(SafetensorsFile.read(data: data, name: name), name: name)
    }

    private static func read(_ file: (tensors: [String: Tensor], metadata: [String: String]), name: String) throws
        -> (model: Network, metadata: [String: String])
    {
        let (tensors, metadata) = file
        guard let json = metadata["architecture"] else {
            throw FileFormatError(file: name, problem: "no 'architecture' in the metadata: not a graphprune checkpoint")
        }
        let architecture = try Architecture.fromJSON(json, name: name)
        return (try network(architecture, tensors: tensors, file: name), metadata)
    }

    /// The network of a validated `architecture` whose state is `tensors`, named
    /// `{node}.{tensor}` as `save` names them (also what an importer builds, `file` naming its
    /// source in errors).
    /// - Throws: `FileFormatError` naming the tensor that is missing, misshapen or not finite.
    public static func network(_ architecture: Architecture, tensors: [String: Tensor], file: String) throws -> Network {
        let shapes = try architecture.shapes()
        var layers = [any Layer]()
        for (i, spec) in architecture.layers.enumerated() {
            let s = shapes[architecture.inputs[i][0]]
            let state = StateReader(file: file, node: architecture.names[i], tensors: tensors)
            layers.append(try state.layer(spec, input: ImageShape(channels: s[0], height: s[1], width: s[2])))
        }
        return Network(architecture: architecture, layers: layers)
    }
}

/// Reads one node's tensors from a checkpoint, checking their shapes and values.
private struct StateReader {
    let file: String, node: String
    let tensors: [String: Tensor]

    /// Tensor `{node}.{key}` as Float values, which must have `shape` and be finite.
    func values(_ key: String, shape: [Int]) throws -> [Float] {
        let full = "\(node).\(key)"
        guard let t = tensors[full] else { throw FileFormatError(file: file, problem: "tensor \(full) is missing") }
        guard t.shape == shape else {
            throw FileFormatError(file: file, problem: "tensor \(full) has shape \(t.shape); the architecture needs \(shape)")
        }
        let m = try Tensor(shape: [1, t.elementCount], storage: t.storage).matrix(Float.self, name: "\(file) tensor \(full)")
        if let bad = m.elements.firstIndex(where: { !$0.isFinite }) {
            throw FileFormatError(file: file, problem: "tensor \(full) entry \(bad) is not finite")
        }
        return m.elements
    }

    func has(_ key: String) -> Bool { tensors["\(node).\(key)"] != nil }

    /// The key of the node's mask: `weight_mask` (as `torch.nn.utils.prune` names it), or
    /// `mask` in checkpoints written before 0.7.
    var maskKey: String { has("mask") && !has("weight_mask") ? "mask" : "weight_mask" }

    /// The layer of `spec` on inputs of shape `input`, its state read from the file.
    func layer(_ spec: Architecture.LayerSpec, input: ImageShape) throws -> any Layer {
        switch spec {
        case .dense(let outputs):
            let weight = try values("weight", shape: [outputs, input.size])
            return Dense(weight: Matrix(rows: outputs, columns: input.size, elements: weight), bias: try values("bias", shape: [outputs]))
        case .sparseDense(let outputs, _):
            let weight = try values("weight", shape: [outputs, input.size])
            let mask = try values(maskKey, shape: [outputs, input.size])
            var connections = [(output: Int, input: Int)](), kept = [Float]()
            for k in mask.indices where mask[k] != 0 {
                connections.append((k / input.size, k % input.size))
                kept.append(weight[k])
            }
            return SparseDense(
                inputs: input.size, outputs: outputs, connections: connections, values: kept,
                bias: try values("bias", shape: [outputs]))
        case .conv2d(let filters, let kernel, let same):
            let c = Architecture.Convolution(filters: filters, kernel: kernel, padding: 0)
            return try convolution(c, input: input, padding: ConvolutionPadding(same ? .same : .valid, kernel: (kernel, kernel)))
        case .convolution(let c):
            return try convolution(c, input: input, padding: .symmetric(c.padding))
        case .batchNorm(let momentum, let epsilon):
            let (channels, area) = input.channelLayout
            let shape = [channels]
            let variance = try values("running_var", shape: shape)
            if let bad = variance.firstIndex(where: { $0 < 0 }) {
                throw FileFormatError(file: file, problem: "tensor \(node).running_var entry \(bad) is negative")
            }
            return BatchNorm(
                channels: channels, area: area, momentum: Float(momentum), epsilon: Float(epsilon),
                scale: try values("weight", shape: shape), shift: try values("bias", shape: shape),
                runningMean: try values("running_mean", shape: shape), runningVariance: variance)
        case .maxPool(let size): return MaxPool2D(input: input, size: size)
        case .averagePool(let size): return AveragePool2D(input: input, size: size)
        case .globalAveragePooling: return GlobalAveragePooling(input: input)
        case .relu: return ReLU()
        case .srelu:
            let n = [input.size]
            return SReLU(
                tLeft: try values("t_left", shape: n), aLeft: try values("a_left", shape: n),
                tRight: try values("t_right", shape: n), aRight: try values("a_right", shape: n))
        case .dropout(let rate): return Dropout(rate: Float(rate))
        case .add, .flatten, .identity: return Identity()
        case .pooling(let p): return p.layer(input: input)
        case .clip(let a, let b): return Clip(minimum: Float(a), maximum: Float(b))
        case .channelAffine(let scale, let shift): return ChannelAffine(scale: scale, shift: shift, input: input)
        case .sigmoid: return Sigmoid()
        case .silu: return SiLU()
        case .multiply(let broadcast): return Multiply(input: input, broadcast: broadcast)
        }
    }

    /// A convolution's weight (OIHW), bias (when it has one) and optional mask.
    func convolution(_ c: Architecture.Convolution, input: ImageShape, padding: ConvolutionPadding) throws -> Conv2D {
        let shape = [c.filters, input.channels / c.groups, c.kernel, c.kernel]
        let taps = shape[1] * c.kernel * c.kernel
        let weight = Matrix(rows: c.filters, columns: taps, elements: try values("weight", shape: shape))
        let mask = has(maskKey) ? Matrix(rows: c.filters, columns: taps, elements: try values(maskKey, shape: shape)) : nil
        var layer = Conv2D(
            input: input, kernel: (c.kernel, c.kernel), stride: (c.stride, c.stride), dilation: (c.dilation, c.dilation), padding: padding, groups: c.groups,
            weight: weight, bias: c.bias ? try values("bias", shape: [c.filters]) : nil)
        layer.setMask(mask)
        return layer
    }
}
