import Foundation
import GraphPruneIO
import GraphPruneNetwork

/// Builds the `GraphProto` of a network (`ONNXExport`): one pass over the nodes in order,
/// tracking each activation's ONNX tensor name and rank (4 for images, 2 for vectors).
struct ONNXGraphWriter {
    let model: Network
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    /// ONNX tensor name and rank of every activation.
    var tensorNames: [String] = []
    var ranks: [Int] = []

    init(model: Network) { self.model = model }

    mutating func graph() throws -> Onnx_GraphProto {
        let architecture = model.architecture
        let shapes = try architecture.shapes()
        // A `[1, 1, n]` input is a vector, unless a node reads it as an image (an N × 1 × 1 × n
        // input to a convolution or a pool).
        let readsImage = architecture.layers.indices.contains { i in
            guard architecture.inputs[i].contains(0) else { return false }
            switch architecture.layers[i] {
            case .conv2d, .convolution, .maxPool, .averagePool, .pooling, .globalAveragePooling: return true
            default: return false
            }
        }
        let vectorInput = architecture.inputShape[0] == 1 && architecture.inputShape[1] == 1 && !readsImage
        tensorNames = ["input"]
        ranks = [vectorInput ? 2 : 4]
        for (i, layer) in model.layers.enumerated() {
            for state in layer.stateTensors { initializers.append(Self.tensor("\(architecture.names[i]).\(state.name)", state.tensor)) }
            let isLast = i == model.layers.count - 1
            try add(node: i, output: isLast ? "logits" : architecture.names[i], shapes: shapes)
        }
        if ranks.last != 2 {
            // Logits of an image-shaped last node (e.g. a global pooling): flattened to N × classes.
            tensorNames[tensorNames.count - 1] = architecture.names.last! + ".unflattened"
            nodes[nodes.count - 1].output = [tensorNames.last!]
            append("Flatten", inputs: [tensorNames.last!], output: "logits", name: "logits.flatten", rank: 2, attributes: [Self.int("axis", 1)])
        }
        var graph = Onnx_GraphProto()
        graph.name = architecture.builtIn ?? "graphprune"
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [Self.valueInfo("input", dims: vectorInput ? [architecture.inputShape[2]] : architecture.inputShape)]
        graph.output = [Self.valueInfo("logits", dims: [shapes.last!.reduce(1, *)])]
        return graph
    }

    /// Adds the ONNX nodes of architecture node `i`, whose result is the tensor `output`.
    private mutating func add(node i: Int, output: String, shapes: [[Int]]) throws {
        let architecture = model.architecture
        let name = architecture.names[i]
        let sources = architecture.inputs[i]
        var x = tensorNames[sources[0]]
        let rank = ranks[sources[0]]
        switch architecture.layers[i] {
        case .dense, .sparseDense:
            if rank != 2 {
                append("Flatten", inputs: [x], output: "\(name).input", name: "\(name).flatten", rank: 2, attributes: [Self.int("axis", 1)], register: false)
                x = "\(name).input"
            }
            append("Gemm", inputs: [x, "\(name).weight", "\(name).bias"], output: output, name: name, rank: 2, attributes: [Self.int("transB", 1)])
        case .conv2d, .convolution:
            let conv = model.layer(at: i, as: Conv2D.self)
            let g = conv.geometry
            // Symmetric padding when it gives the layer's output extents (PyTorch's `padding=p`),
            // else the zeros the last window reaches (an even kernel's `same` padding).
            func after(_ n: Int, _ k: Int, _ s: Int, _ d: Int, _ before: Int, _ extent: Int) -> Int {
                ConvolutionGeometry.outputExtent(n, kernel: k, stride: s, dilation: d, padding: before, before) == extent
                    ? before : (extent - 1) * s + d * (k - 1) + 1 - n - before
            }
            let bottom = after(g.height, g.kernelHeight, g.strideHeight, g.dilationHeight, g.padTop, g.outputHeight)
            let right = after(g.width, g.kernelWidth, g.strideWidth, g.dilationWidth, g.padLeft, g.outputWidth)
            let hasBias = conv.stateTensors.contains { $0.name == "bias" }
            append(
                "Conv", inputs: [x, "\(name).weight"] + (hasBias ? ["\(name).bias"] : []), output: output, name: name, rank: 4,
                attributes: [
                    Self.ints("kernel_shape", [g.kernelHeight, g.kernelWidth]), Self.ints("strides", [g.strideHeight, g.strideWidth]),
                    Self.ints("pads", [g.padTop, g.padLeft, max(0, bottom), max(0, right)]), Self.int("group", conv.groups),
                    Self.ints("dilations", [g.dilationHeight, g.dilationWidth]),
                ])
        case .batchNorm(let momentum, let epsilon):
            append(
                "BatchNormalization", inputs: [x] + ["weight", "bias", "running_mean", "running_var"].map { "\(name).\($0)" },
                output: output, name: name, rank: rank,
                attributes: [Self.float("epsilon", Float(epsilon)), Self.float("momentum", Float(1 - momentum))])
        case .relu:
            append("Relu", inputs: [x], output: output, name: name, rank: rank)
        case .clip(let low, let high):
            initializers.append(Self.tensor("\(name).min", Tensor(shape: [], storage: .float32([Float(low)]))))
            initializers.append(Self.tensor("\(name).max", Tensor(shape: [], storage: .float32([Float(high)]))))
            append("Clip", inputs: [x, "\(name).min", "\(name).max"], output: output, name: name, rank: rank)
        case .dropout(let rate):
            initializers.append(Self.tensor("\(name).ratio", Tensor(shape: [], storage: .float32([Float(rate)]))))
            append("Dropout", inputs: [x, "\(name).ratio"], output: output, name: name, rank: rank)
        case .maxPool(let size):
            pool("MaxPool", PoolingWindow(size: size), countsPadding: nil, x: x, output: output, name: name)
        case .averagePool(let size):
            pool("AveragePool", PoolingWindow(size: size), countsPadding: true, x: x, output: output, name: name)
        case .pooling(let p):
            pool(p.kind == .max ? "MaxPool" : "AveragePool", p.window, countsPadding: p.kind == .max ? nil : p.countsPadding, x: x, output: output, name: name)
        case .globalAveragePooling:
            guard rank == 4 else { throw ONNXExportError("node \(name): global average pooling of a vector has no ONNX equivalent") }
            append("GlobalAveragePool", inputs: [x], output: output, name: name, rank: 4)
        case .flatten:
            append("Flatten", inputs: [x], output: output, name: name, rank: 2, attributes: [Self.int("axis", 1)])
        case .add:
            append(sources.count == 2 ? "Add" : "Sum", inputs: sources.map { tensorNames[$0] }, output: output, name: name, rank: rank)
        case .identity:
            append("Identity", inputs: [x], output: output, name: name, rank: rank)
        case .channelAffine(let scale, let shift):
            let channels = Architecture.channelLayout(of: shapes[sources[0]]).channels
            let shape = { (values: [Double]) -> [Int] in values.count == 1 ? [] : (rank == 4 ? [1, channels, 1, 1] : [1, channels]) }
            initializers.append(Self.tensor("\(name).scale", Tensor(shape: shape(scale), storage: .float32(scale.map { Float($0) }))))
            initializers.append(Self.tensor("\(name).shift", Tensor(shape: shape(shift), storage: .float32(shift.map { Float($0) }))))
            append("Mul", inputs: [x, "\(name).scale"], output: "\(name).scaled", name: name, rank: rank, register: false)
            append("Add", inputs: ["\(name).scaled", "\(name).shift"], output: output, name: "\(name).shift", rank: rank)
        case .sigmoid:
            append("Sigmoid", inputs: [x], output: output, name: name, rank: rank)
        case .silu:
            append("Sigmoid", inputs: [x], output: "\(name).sigmoid", name: "\(name).sigmoid", rank: rank, register: false)
            append("Mul", inputs: [x, "\(name).sigmoid"], output: output, name: name, rank: rank)
        case .multiply:
            append("Mul", inputs: sources.map { tensorNames[$0] }, output: output, name: name, rank: rank)
        case .srelu:
            throw ONNXExportError("node \(name): SReLU has no ONNX operator; models with SReLU activations cannot be exported")
        }
    }

    private mutating func pool(_ op: String, _ window: PoolingWindow, countsPadding: Bool?, x: String, output: String, name: String) {
        var attributes = [
            Self.ints("kernel_shape", [window.kernel, window.kernel]), Self.ints("strides", [window.stride, window.stride]),
            Self.ints("pads", [Int](repeating: window.padding, count: 4)),
        ]
        if let countsPadding { attributes.append(Self.int("count_include_pad", countsPadding ? 1 : 0)) }
        append(op, inputs: [x], output: output, name: name, rank: 4, attributes: attributes)
    }

    /// Appends one ONNX node; `register` records its output as the next activation (false for
    /// helper nodes inside one architecture node).
    private mutating func append(
        _ op: String, inputs: [String], output: String, name: String, rank: Int,
        attributes: [Onnx_AttributeProto] = [], register: Bool = true
    ) {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = name
        node.input = inputs
        node.output = [output]
        node.attribute = attributes
        nodes.append(node)
        if register {
            tensorNames.append(output)
            ranks.append(rank)
        }
    }

    // MARK: Protobuf values

    static func tensor(_ name: String, _ tensor: Tensor) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = tensor.shape.map(Int64.init)
        proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        let values: [Float]
        switch tensor.storage {
        case .float32(let v): values = v
        case .float64(let v): values = v.map { Float($0) }
        }
        proto.rawData = values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        return proto
    }

    static func valueInfo(_ name: String, dims: [Int]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var type = Onnx_TypeProto.Tensor()
        type.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        type.shape.dim = [batch] + dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(d)
            return dim
        }
        info.type.tensorType = type
        return info
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.i) = (name, .int, Int64(value))
        return a
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.ints) = (name, .ints, values.map(Int64.init))
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.f) = (name, .float, value)
        return a
    }
}
