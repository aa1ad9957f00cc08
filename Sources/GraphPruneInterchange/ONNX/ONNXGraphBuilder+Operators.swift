import GraphPruneIO
import GraphPruneNetwork

extension ONNXGraphBuilder {
    /// Maps one ONNX node onto the architecture (see `ONNXImport` for the supported ops).
    mutating func add(_ node: Onnx_NodeProto) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw fail(node, "domain '\(node.domain)' is not supported (only the default ONNX domain)")
        }
        guard let output = node.output.first, !output.isEmpty else { throw fail(node, "has no output") }
        switch node.opType {
        case "Constant": try addConstant(node, output: output)
        case "Identity":
            if let c = constants[node.input.first ?? ""] { constants[output] = c } else { activations[output] = try activation(node, 0) }
        case "ReduceMean": try addReduceMean(node, output: output)
        case "Cast": try addCast(node, output: output)
        case "Conv": try addConvolution(node, output: output)
        case "Gemm": try addGemm(node, output: output)
        case "MatMul": try addMatMul(node, output: output)
        case "BatchNormalization": try addBatchNorm(node, output: output)
        case "Relu", "Sigmoid":
            let a = try activation(node, 0)
            try append(node.opType == "Relu" ? .relu : .sigmoid, from: [a], name: nodeName(node), output: output, rank: ranks[a], node: node)
        case "Clip": try addClip(node, output: output)
        case "MaxPool", "AveragePool": try addPooling(node, output: output)
        case "GlobalAveragePool":
            let a = try activation(node, 0)
            guard ranks[a] == 4 else { throw fail(node, "input of rank \(ranks[a]); an N × C × H × W input is needed") }
            try append(.globalAveragePooling, from: [a], name: nodeName(node), output: output, rank: 4, node: node)
        case "Flatten":
            let a = try activation(node, 0)
            let axis = node.int("axis", default: 1)
            guard axis == 1 || (axis == -3 && ranks[a] == 4) || (axis == -1 && ranks[a] == 2) else {
                throw fail(node, "axis \(axis) is not supported (1: keep the batch, flatten the rest)")
            }
            try append(.flatten, from: [a], name: nodeName(node), output: output, rank: 2, node: node)
        case "Reshape": try addReshape(node, output: output)
        case "Dropout":
            try requireSingleOutput(node)
            let a = try activation(node, 0)
            var rate = node.float("ratio", default: 0.5)
            if let ratio = try constant(node, 1) {
                guard ratio.count == 1 else { throw fail(node, "ratio must be a scalar") }
                rate = ratio.asFloats[0]
            }
            guard rate >= 0 && rate < 1 else { throw fail(node, "ratio \(rate) is outside [0, 1)") }
            try append(.dropout(rate: Self.decimal(Double(rate))), from: [a], name: nodeName(node), output: output, rank: ranks[a], node: node)
        case "Add", "Sub", "Mul", "Div": try addArithmetic(node, output: output)
        default:
            throw fail(node, "op type \(node.opType) is not supported")
        }
    }

    private mutating func addConstant(_ node: Onnx_NodeProto, output: String) throws {
        guard let attribute = node.attribute.first else { throw fail(node, "has no value") }
        switch attribute.name {
        case "value":
            do { constants[output] = try ONNXConstant(attribute.t) } catch { throw fail(node, error.problem) }
        case "value_float": constants[output] = ONNXConstant(shape: [], floats: [attribute.f])
        case "value_floats": constants[output] = ONNXConstant(shape: [attribute.floats.count], floats: attribute.floats)
        case "value_int": constants[output] = ONNXConstant(shape: [], integers: [attribute.i])
        case "value_ints": constants[output] = ONNXConstant(shape: [attribute.ints.count], integers: attribute.ints)
        default: throw fail(node, "a constant given as '\(attribute.name)' is not supported")
        }
    }

    private mutating func addConvolution(_ node: Onnx_NodeProto, output: String) throws {
        let a = try activation(node, 0)
        guard ranks[a] == 4 else { throw fail(node, "input of rank \(ranks[a]); an N × C × H × W input is needed") }
        let w = try requiredConstant(node, 1)
        guard w.shape.count == 4, w.shape[2] == w.shape[3] else {
            throw fail(node, "weight of shape \(w.shape); a square kernel [F, C/g, k, k] is supported")
        }
        let groups = Int(node.int("group", default: 1))
        let channels = shapes[a][0]
        guard groups > 0, channels % groups == 0, w.shape[1] * groups == channels, w.shape[0] % groups == 0 else {
            throw fail(node, "weight of shape \(w.shape) with \(groups) groups does not fit \(channels) input channels")
        }
        if let kernel = node.ints("kernel_shape"), kernel.map(Int.init) != [w.shape[2], w.shape[3]] {
            throw fail(node, "kernel_shape \(kernel) differs from the weight's \(w.shape)")
        }
        let dilations = node.ints("dilations") ?? [1, 1]
        guard dilations.count == 2, dilations[0] == dilations[1], dilations[0] > 0, dilations[0] <= Int64(Architecture.extentLimit) else {
            throw fail(node, "dilations \(dilations) are not supported (equal on both axes)")
        }
        let bias = try constant(node, 2)
        if let bias, bias.count != w.shape[0] || bias.floats == nil { throw fail(node, "bias of shape \(bias.shape) for \(w.shape[0]) filters") }
        let k = w.shape[2]
        if let pads = node.ints("pads"), k % 2 == 0, pads.map(Int.init) == [(k - 1) / 2, (k - 1) / 2, k - 1 - (k - 1) / 2, k - 1 - (k - 1) / 2],
           pads[0] != pads[2], groups == 1, dilations == [1, 1], (node.ints("strides") ?? [1, 1]) == [1, 1], bias != nil {
            // An even kernel's `same` padding (one more zero after than before): the chain
            // grammar's `cN/K` convolution, as ONNXExport writes it.
            let state = ["weight": Tensor(shape: w.shape, storage: .float32(w.floats!)), "bias": Tensor(shape: [w.shape[0]], storage: .float32(bias!.floats!))]
            try append(.conv2d(filters: w.shape[0], kernel: k, same: true), from: [a], name: parameterNodeName(node, weight: node.input[1]),
                       output: output, rank: 4, state: state, node: node)
            return
        }
        let (stride, padding) = try strideAndPadding(node)
        let name = parameterNodeName(node, weight: node.input[1])
        var state = ["weight": Tensor(shape: w.shape, storage: .float32(w.floats!))]
        if let bias { state["bias"] = Tensor(shape: [w.shape[0]], storage: .float32(bias.floats!)) }
        if let mask = try mask(of: node, shape: w.shape, weight: w.floats!) { state["weight_mask"] = mask }
        let c = Architecture.Convolution(
            filters: w.shape[0], kernel: w.shape[2], stride: stride, padding: padding, groups: groups, bias: bias != nil, dilation: Int(dilations[0]))
        try append(.convolution(c), from: [a], name: name, output: output, rank: 4, state: state, node: node)
    }

    /// Equal strides on both axes and the same padding on all four sides (`auto_pad` NOTSET or
    /// VALID).
    private func strideAndPadding(_ node: Onnx_NodeProto) throws -> (stride: Int, padding: Int) {
        let autoPad = node.string("auto_pad") ?? "NOTSET"
        guard ["NOTSET", "VALID", ""].contains(autoPad) else {
            throw fail(node, "auto_pad \(autoPad) is not supported (NOTSET with explicit pads, or VALID)")
        }
        if autoPad == "VALID", let pads = node.ints("pads"), pads.contains(where: { $0 != 0 }) {
            throw fail(node, "pads \(pads) contradict auto_pad VALID (no padding)")
        }
        let strides = node.ints("strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] > 0 else {
            throw fail(node, "strides \(strides) are not supported (equal on both axes)")
        }
        let pads = node.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, Set(pads).count == 1, pads[0] >= 0 else {
            throw fail(node, "pads \(pads) are not supported (the same on all four sides)")
        }
        return (Int(strides[0]), Int(pads[0]))
    }

    private mutating func addGemm(_ node: Onnx_NodeProto, output: String) throws {
        let a = try activation(node, 0)
        guard node.int("transA", default: 0) == 0 else { throw fail(node, "transA 1 is not supported") }
        guard ranks[a] == 2 else { throw fail(node, "input of rank \(ranks[a]); Gemm needs N × F") }
        let b = try requiredConstant(node, 1)
        guard b.shape.count == 2 else { throw fail(node, "B of shape \(b.shape); a matrix is needed") }
        let transposed = node.int("transB", default: 0) != 0
        let (outputs, features) = transposed ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
        guard features == shapes[a].reduce(1, *) else {
            throw fail(node, "B of shape \(b.shape) does not fit \(shapes[a].reduce(1, *)) input features")
        }
        let alpha = node.float("alpha", default: 1), beta = node.float("beta", default: 1)
        var weight = transposed ? b.floats! : Self.transposed(b.floats!, rows: b.shape[0], columns: b.shape[1])
        if alpha != 1 { weight = weight.map { $0 * alpha } }
        var bias = [Float](repeating: 0, count: outputs)
        if let c = try constant(node, 2) {
            guard let values = c.floats, c.count == 1 || c.count == outputs, c.shape.count <= 2, c.shape.dropLast().allSatisfy({ $0 == 1 }) else {
                throw fail(node, "C of shape \(c.shape) is not a bias of \(outputs) outputs")
            }
            bias = c.count == 1 ? [Float](repeating: values[0] * beta, count: outputs) : values.map { $0 * beta }
        }
        let name = parameterNodeName(node, weight: node.input[1])
        var state = ["weight": Tensor(shape: [outputs, features], storage: .float32(weight)), "bias": Tensor(shape: [outputs], storage: .float32(bias))]
        var spec = Architecture.LayerSpec.dense(outputs: outputs)
        if transposed, alpha == 1, let mask = try mask(of: node, shape: [outputs, features], weight: weight) {
            // An edge-pruned layer written by ONNXExport: truly sparse again, ε from its density.
            state["weight_mask"] = mask
            let connections = try mask.matrix(Float.self, name: file).nonzeroCount
            spec = .sparseDense(outputs: outputs, epsilon: Double(max(connections, 1)) / Double(features + outputs))
        }
        try append(spec, from: [a], name: name, output: output, rank: 2, state: state, node: node)
    }

    /// The mask of an edge-pruned layer as `ONNXExport` writes it: an initializer
    /// `{weight}_mask` (as `torch.nn.utils.prune` names it) that no node reads, 0/1 of the
    /// weight's shape, with the weight 0 wherever the mask is — so applying it cannot change an
    /// output. Anything else of that name is left alone, as onnxruntime leaves it.
    private func mask(of node: Onnx_NodeProto, shape: [Int], weight: [Float]) throws -> Tensor? {
        let name = node.input[1] + "_mask"
        guard let mask = constants[name], consumers[name, default: 0] == 0, mask.shape == shape, let values = mask.floats,
              values.allSatisfy({ $0 == 0 || $0 == 1 }), zip(values, weight).allSatisfy({ $0 != 0 || $1 == 0 })
        else { return nil }
        return Tensor(shape: shape, storage: .float32(values))
    }

    /// `X · B` with a constant `B` (`F × outputs`): a Dense layer whose bias a following `Add`
    /// of a constant fills.
    private mutating func addMatMul(_ node: Onnx_NodeProto, output: String) throws {
        let a = try activation(node, 0)
        guard ranks[a] == 2 else { throw fail(node, "input of rank \(ranks[a]); MatMul of N × F by a constant is supported") }
        let b = try requiredConstant(node, 1)
        guard b.shape.count == 2, b.shape[0] == shapes[a].reduce(1, *) else {
            throw fail(node, "B of shape \(b.shape) does not fit \(shapes[a].reduce(1, *)) input features")
        }
        let outputs = b.shape[1]
        let weight = Self.transposed(b.floats!, rows: b.shape[0], columns: outputs)
        let name = parameterNodeName(node, weight: node.input[1])
        let index = try append(
            .dense(outputs: outputs), from: [a], name: name, output: output, rank: 2,
            state: ["weight": Tensor(shape: [outputs, b.shape[0]], storage: .float32(weight)),
                    "bias": Tensor(shape: [outputs], storage: .float32([Float](repeating: 0, count: outputs)))],
            node: node)
        if consumers[output, default: 0] == 1 { biasPending.insert(index) }
    }

    private mutating func addBatchNorm(_ node: Onnx_NodeProto, output: String) throws {
        try requireSingleOutput(node)
        let a = try activation(node, 0)
        guard node.int("training_mode", default: 0) == 0 else { throw fail(node, "training_mode 1 is not supported (export in eval mode)") }
        let channels = Architecture.channelLayout(of: shapes[a]).channels
        var values = [[Float]]()
        for k in 1...4 {
            let c = try requiredConstant(node, k)
            guard c.count == channels else { throw fail(node, "input \(k) has \(c.count) values for \(channels) channels") }
            values.append(c.floats!)
        }
        if let bad = values[3].firstIndex(where: { !($0 >= 0) }) { throw fail(node, "running variance \(bad) is negative or not a number") }
        let epsilon = node.float("epsilon", default: 1e-5), momentum = node.float("momentum", default: 0.9)
        guard epsilon > 0, momentum >= 0, momentum <= 1 else { throw fail(node, "epsilon \(epsilon) or momentum \(momentum) out of range") }
        let name = parameterNodeName(node, weight: node.input[1])
        let keys = ["weight", "bias", "running_mean", "running_var"]
        var state = [String: Tensor]()
        for (key, v) in zip(keys, values) { state[key] = Tensor(shape: [channels], storage: .float32(v)) }
        // ONNX's momentum weighs the running value (0.9); PyTorch's the batch statistic (0.1).
        try append(
            .batchNorm(momentum: Self.decimal(1 - Self.decimal(Double(momentum))), epsilon: Self.decimal(Double(epsilon))), from: [a], name: name, output: output,
            rank: ranks[a], state: state, node: node)
    }

    /// A constant converted to FLOAT, DOUBLE, INT32 or INT64 (the exporter's casts of `Clip`
    /// bounds), or an activation cast to FLOAT (nothing to do).
    private mutating func addCast(_ node: Onnx_NodeProto, output: String) throws {
        let to = Onnx_TensorProto.DataType(rawValue: Int(node.int("to", default: 0)))
        if let c = constants[node.input.first ?? ""] {
            switch to {
            case .float?, .double?: constants[output] = ONNXConstant(shape: c.shape, floats: c.asFloats)
            case .int64?, .int32?:
                let integers = c.integers ?? c.asFloats.compactMap { Int64(exactly: $0.rounded(.towardZero)) }
                guard integers.count == c.count else { throw fail(node, "a value is not a finite integer") }
                constants[output] = ONNXConstant(shape: c.shape, integers: integers)
            default: throw fail(node, "a cast to \(to.map { "\($0)" } ?? "type \(node.int("to", default: 0))") is not supported")
            }
        } else {
            guard to == .float else { throw fail(node, "a cast of an activation to anything but FLOAT is not supported") }
            activations[output] = try activation(node, 0)
        }
    }

    /// The mean over both spatial axes of an image (what PyTorch's `adaptive_avg_pool2d(x, 1)`
    /// and `x.mean((2, 3))` export as): global average pooling, keeping the axes or not.
    private mutating func addReduceMean(_ node: Onnx_NodeProto, output: String) throws {
        let a = try activation(node, 0)
        let axes = try (opset >= 18 ? constant(node, 1)?.integers : node.ints("axes")) ?? []
        guard ranks[a] == 4, Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3] else {
            throw fail(node, "a mean over axes \(axes) of a rank-\(ranks[a]) input is not supported (only over H and W)")
        }
        if node.int("keepdims", default: 1) != 0 {
            try append(.globalAveragePooling, from: [a], name: nodeName(node), output: output, rank: 4, node: node)
        } else {
            let pooled = try append(.globalAveragePooling, from: [a], name: nodeName(node), output: output + "/pooled", rank: 4, node: node)
            try append(.flatten, from: [pooled], name: uniqueName(node.name + ".flatten"), output: output, rank: 2, node: node)
        }
    }

    private mutating func addClip(_ node: Onnx_NodeProto, output: String) throws {
        let a = try activation(node, 0)
        var low = -Float.greatestFiniteMagnitude, high = Float.greatestFiniteMagnitude
        if opset < 11 {
            low = node.float("min", default: low)
            high = node.float("max", default: high)
        } else {
            for (k, isLow) in [(1, true), (2, false)] {
                guard let c = try constant(node, k) else { continue }
                guard c.count == 1 else { throw fail(node, "bound input \(k) must be a scalar") }
                if isLow { low = c.asFloats[0] } else { high = c.asFloats[0] }
            }
        }
        guard low.isFinite, high.isFinite, low <= high else { throw fail(node, "bounds \(low), \(high) are not an interval") }
        try append(.clip(minimum: Self.decimal(Double(low)), maximum: Self.decimal(Double(high))), from: [a], name: nodeName(node), output: output, rank: ranks[a], node: node)
    }

    private mutating func addPooling(_ node: Onnx_NodeProto, output: String) throws {
        try requireSingleOutput(node)
        let a = try activation(node, 0)
        guard ranks[a] == 4 else { throw fail(node, "input of rank \(ranks[a]); an N × C × H × W input is needed") }
        guard let kernel = node.ints("kernel_shape"), kernel.count == 2, kernel[0] == kernel[1], kernel[0] > 0 else {
            throw fail(node, "kernel_shape \(node.ints("kernel_shape") ?? []) is not supported (square)")
        }
        guard node.int("ceil_mode", default: 0) == 0 else { throw fail(node, "ceil_mode 1 is not supported") }
        if let d = node.ints("dilations"), d.contains(where: { $0 != 1 }) { throw fail(node, "dilations \(d) are not supported (1 only)") }
        guard node.int("storage_order", default: 0) == 0 else { throw fail(node, "storage_order 1 is not supported") }
        let (stride, padding) = try strideAndPadding(node)
        let window = PoolingWindow(kernel: Int(kernel[0]), stride: stride, padding: padding)
        let isMax = node.opType == "MaxPool"
        let pooling = Architecture.Pooling(
            isMax ? .max : .average, window: window, countsPadding: isMax || node.int("count_include_pad", default: 0) != 0)
        try append(.pooling(pooling), from: [a], name: nodeName(node), output: output, rank: 4, node: node)
    }

    /// A Reshape to `[batch, features]` (batch given as 0, −1 or a fixed size, features as −1
    /// or the count): a flatten.
    private mutating func addReshape(_ node: Onnx_NodeProto, output: String) throws {
        let a = try activation(node, 0)
        guard let target = try constant(node, 1)?.integers else { throw fail(node, "the target shape must be a constant integer tensor") }
        let features = shapes[a].reduce(1, *)
        guard node.int("allowzero", default: 0) == 0, target.count == 2,
              target[0] == 0 || target[0] == -1 || target[0] > 0,
              target[1] == Int64(features) || (target[1] == -1 && target[0] != -1)
        else {
            throw fail(node, "reshape to \(target) is not supported (only [batch, \(features)] flattening)")
        }
        try append(.flatten, from: [a], name: nodeName(node), output: output, rank: 2, node: node)
    }

    /// `Add` of two activations (a residual connection); `Add`, `Sub`, `Mul`, `Div` of an
    /// activation and a constant (a bias after `MatMul`, or a channel affine map).
    private mutating func addArithmetic(_ node: Onnx_NodeProto, output: String) throws {
        guard node.input.count == 2 else { throw fail(node, "needs two inputs") }
        let (left, right) = (activations[node.input[0]], activations[node.input[1]])
        if let left, let right {
            switch node.opType {
            case "Add": try append(.add, from: [left, right], name: nodeName(node), output: output, rank: ranks[left], node: node)
            case "Mul": try addProduct(node, left, right, output: output)
            default: throw fail(node, "\(node.opType) of two activations is not supported")
            }
            return
        }
        guard let a = left ?? right else { throw fail(node, "neither input is an activation (constant folding is not supported)") }
        let constantFirst = left == nil
        let c = try requiredConstant(node, constantFirst ? 0 : 1)
        let values = c.floats!
        let channels = Architecture.channelLayout(of: shapes[a]).channels
        guard Self.broadcastsPerChannel(c.shape, rank: ranks[a], channels: channels) else {
            throw fail(node, "constant of shape \(c.shape) does not broadcast per channel over an activation of shape \(shapes[a])")
        }
        // The bias of a MatMul read only here.
        if node.opType == "Add", biasPending.contains(a), values.count == channels || values.count == 1, ranks[a] == 2,
           isReadOnlyHere(a, name: node.input[constantFirst ? 1 : 0]) {
            biasPending.remove(a)
            let key = "\(names[a - 1]).bias"
            tensors[key] = Tensor(shape: [channels], storage: .float32(values.count == 1 ? [Float](repeating: values[0], count: channels) : values))
            activations[output] = a
            return
        }
        let v = values.map(Double.init)
        var scale = [1.0], shift = [0.0]
        switch (node.opType, constantFirst) {
        case ("Add", _): shift = v
        case ("Sub", false): shift = v.map { -$0 }
        case ("Sub", true): (scale, shift) = ([-1], v)
        case ("Mul", _): scale = v
        case ("Div", false):
            guard v.allSatisfy({ $0 != 0 }) else { throw fail(node, "divides by zero") }
            scale = v.map { 1 / $0 }
        default: throw fail(node, "a constant divided by an activation is not supported")
        }
        // Compose with a channel affine node read only here: s₂(s₁x + b₁) + b₂.
        if a > 0, case .channelAffine(let s1, let b1) = specs[a - 1], isReadOnlyHere(a, name: node.input[constantFirst ? 1 : 0]) {
            let composedScale = Self.broadcast(s1, scale, *)
            let composedShift = Self.broadcast(Self.broadcast(b1, scale, *), shift, +)
            specs[a - 1] = .channelAffine(scale: composedScale, shift: composedShift)
            activations[output] = a
            return
        }
        try append(.channelAffine(scale: scale, shift: shift), from: [a], name: nodeName(node), output: output, rank: ranks[a], node: node)
    }

    /// `Mul` of two activations: `x · Sigmoid(x)` becomes one SiLU node (the sigmoid node, read
    /// only here, turns into it); otherwise a product of equal shapes, or of an image and a
    /// per-channel gate `N × C × 1 × 1` (squeeze-excitation), in either order.
    private mutating func addProduct(_ node: Onnx_NodeProto, _ left: Int, _ right: Int, output: String) throws {
        for (gate, x, k) in [(left, right, 0), (right, left, 1)] where gate > 0 && specs[gate - 1] == .sigmoid
            && inputs[gate - 1] == [x] && isReadOnlyHere(gate, name: node.input[k]) {
            specs[gate - 1] = .silu
            if !node.name.isEmpty {
                names[gate - 1] = ""
                names[gate - 1] = uniqueName(node.name)
            }
            activations[output] = gate
            return
        }
        let (a, b) = (shapes[left], shapes[right])
        let order: [Int]
        let broadcast: Bool
        if a == b {
            (order, broadcast) = ([left, right], false)
        } else if Architecture.isChannelGate(b, of: a) {
            (order, broadcast) = ([left, right], true)
        } else if Architecture.isChannelGate(a, of: b) {
            (order, broadcast) = ([right, left], true)
        } else {
            throw fail(node, "Mul of activations of shapes \(a) and \(b) is not supported (equal shapes, or a per-channel gate C × 1 × 1)")
        }
        try append(.multiply(broadcast: broadcast), from: order, name: nodeName(node), output: output, rank: ranks[order[0]], node: node)
    }

    /// Whether a constant of `shape` broadcasts over an activation of ONNX rank `rank` with
    /// `channels` channels along the channels only: a scalar, or one value per channel (`[C]`,
    /// `[1, C]` on vectors; `[C, 1, 1]`, `[1, C, 1, 1]` on images).
    static func broadcastsPerChannel(_ shape: [Int], rank: Int, channels: Int) -> Bool {
        if shape.reduce(1, *) == 1 && shape.count <= rank { return true }
        switch rank {
        case 2: return shape == [channels] || shape == [1, channels]
        case 4: return shape == [channels, 1, 1] || shape == [1, channels, 1, 1]
        default: return false
        }
    }

    /// `a ∘ b` entrywise, either side broadcast when it has one entry.
    static func broadcast(_ a: [Double], _ b: [Double], _ op: (Double, Double) -> Double) -> [Double] {
        let n = max(a.count, b.count)
        return (0..<n).map { op(a[a.count == 1 ? 0 : $0], b[b.count == 1 ? 0 : $0]) }
    }

    /// The shortest decimal that reads back as the same Float (`0.3`, not `0.30000001192092896`),
    /// so hyperparameters read back as they were written and the Float the layer computes with is
    /// the file's.
    static func decimal(_ x: Double) -> Double { Double("\(Float(x))") ?? x }

    /// The `columns × rows` transpose of a row-major `rows × columns` array.
    static func transposed(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = values[r * columns + c] } }
        return out
    }
}
