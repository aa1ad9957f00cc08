import GraphPruneIO
import GraphPruneNetwork

/// Builds an `Architecture` and its state tensors from an ONNX graph, node by node in the
/// graph's (topological) order (`ONNXImport`).
///
/// Every ONNX tensor name is either a **constant** (initializer or `Constant` output) or an
/// **activation** of the architecture (0 = the input, `j + 1` = node `j`'s output), or an
/// alias of one (`Identity`). Each activation has its engine shape `[C, H, W]` (a vector is
/// `[1, 1, F]`) and its ONNX rank (4 for images, 2 for vectors), which decides what `Flatten`,
/// `Gemm` and constants' broadcasting mean.
struct ONNXGraphBuilder {
    let file: String
    let opset: Int64
    var constants: [String: ONNXConstant] = [:]
    var activations: [String: Int] = [:]
    var shapes: [[Int]]
    var ranks: [Int]
    var specs: [Architecture.LayerSpec] = []
    var inputs: [[Int]] = []
    var names: [String] = []
    var tensors: [String: Tensor] = [:]
    /// How many nodes (and graph outputs) read each tensor name.
    let consumers: [String: Int]
    let graphOutput: String
    /// Nodes made from `MatMul` whose bias an `Add` of a constant may still fill.
    var biasPending: Set<Int> = []

    init(graph: Onnx_GraphProto, file: String, opset: Int64) throws {
        (self.file, self.opset) = (file, opset)
        var constants = [String: ONNXConstant]()
        for tensor in graph.initializer {
            do { constants[tensor.name] = try ONNXConstant(tensor) } catch {
                throw ONNXImportError(file: file, problem: "initializer '\(tensor.name)': \(error.problem)")
            }
        }
        self.constants = constants
        let realInputs = graph.input.filter { constants[$0.name] == nil }
        guard realInputs.count == 1, let input = realInputs.first else {
            throw ONNXImportError(file: file, problem: "the graph has \(realInputs.count) inputs besides its initializers (\(realInputs.map(\.name).joined(separator: ", "))); one is supported")
        }
        guard graph.output.count == 1 else {
            throw ONNXImportError(file: file, problem: "the graph has \(graph.output.count) outputs; one (the logits) is supported")
        }
        graphOutput = graph.output[0].name
        let type = input.type.tensorType
        guard type.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw ONNXImportError(file: file, problem: "input '\(input.name)' has element type \(type.elemType); FLOAT is supported")
        }
        let dims = type.shape.dim
        let extents = dims.dropFirst().map { $0.dimValue }
        guard dims.count == 4 || dims.count == 2, extents.allSatisfy({ $0 > 0 && $0 <= Int64(Architecture.extentLimit) }) else {
            let shown = dims.map { d -> String in if case .dimParam(let p)? = d.value { p } else { String(d.dimValue) } }
            throw ONNXImportError(file: file, problem: "input '\(input.name)' has shape [\(shown.joined(separator: ", "))]; N × C × H × W or N × F with fixed C, H, W, F is supported")
        }
        let e = extents.map(Int.init)
        guard Self.withinActivationLimit(e) else {
            throw ONNXImportError(file: file, problem: "input '\(input.name)' has more than \(Architecture.activationLimit) features per sample")
        }
        shapes = [dims.count == 4 ? e : [1, 1, e[0]]]
        ranks = [dims.count]
        activations[input.name] = 0
        var counts = [String: Int]()
        for node in graph.node { for name in node.givenInputs { counts[name, default: 0] += 1 } }
        counts[graphOutput, default: 0] += 1
        consumers = counts
    }

    /// Whether the product of `extents` is at most `Architecture.activationLimit` (no overflow).
    static func withinActivationLimit(_ extents: [Int]) -> Bool {
        var size = 1
        for e in extents {
            let (product, overflow) = size.multipliedReportingOverflow(by: e)
            guard !overflow, product <= Architecture.activationLimit else { return false }
            size = product
        }
        return true
    }

    // MARK: Reading a node's operands

    func fail(_ node: Onnx_NodeProto, _ problem: String) -> ONNXImportError {
        ONNXImportError(file: file, problem: "\(node.label): \(problem)")
    }

    /// The activation index of input `k`, which must be an activation.
    func activation(_ node: Onnx_NodeProto, _ k: Int) throws -> Int {
        guard k < node.input.count, let a = activations[node.input[k]] else {
            let what = k < node.input.count ? (constants[node.input[k]] != nil ? "a constant" : "an unknown tensor") : "missing"
            throw fail(node, "input \(k) (\(k < node.input.count ? node.input[k] : "")) is \(what); an activation is needed")
        }
        return a
    }

    /// Input `k` as a constant, or nil when it is omitted (optional inputs).
    func constant(_ node: Onnx_NodeProto, _ k: Int) throws -> ONNXConstant? {
        guard k < node.input.count, !node.input[k].isEmpty else { return nil }
        guard let c = constants[node.input[k]] else {
            throw fail(node, "input \(k) (\(node.input[k])) is computed in the graph; a constant (initializer) is needed")
        }
        return c
    }

    func requiredConstant(_ node: Onnx_NodeProto, _ k: Int, floats: Bool = true) throws -> ONNXConstant {
        guard let c = try constant(node, k) else { throw fail(node, "input \(k) is missing") }
        if floats && c.floats == nil { throw fail(node, "input \(k) (\(node.input[k])) is an integer tensor; floats are needed") }
        return c
    }

    /// Only the first output may be read (BatchNormalization's statistics, MaxPool's indices,
    /// Dropout's mask are training outputs).
    func requireSingleOutput(_ node: Onnx_NodeProto) throws {
        for extra in node.output.dropFirst() where !extra.isEmpty && consumers[extra, default: 0] > 0 {
            throw fail(node, "its output '\(extra)' is used; only the first output is supported")
        }
    }

    // MARK: Adding nodes

    /// A unique node name from `proposed` (`_1`, `_2`, … appended on a clash).
    func uniqueName(_ proposed: String) -> String {
        let base = proposed.isEmpty ? "node\(specs.count)" : proposed
        var name = base, k = 1
        while names.contains(name) {
            name = "\(base)_\(k)"
            k += 1
        }
        return name
    }

    /// The name of a node without weights: the ONNX node's name, or else its first output's.
    func nodeName(_ node: Onnx_NodeProto) -> String {
        uniqueName(node.name.isEmpty ? (node.output.first ?? "") : node.name)
    }

    /// The name of a node whose weight initializer is `weight`: the parameter path without
    /// `.weight` when it has one, else the ONNX node's own name.
    func parameterNodeName(_ node: Onnx_NodeProto, weight: String) -> String {
        if weight.hasSuffix(".weight"), weight.count > 7 { return uniqueName(String(weight.dropLast(7))) }
        return nodeName(node)
    }

    /// Whether activation `a`, the ONNX tensor `name`, is read by the current node alone (no
    /// other node reads `name`, and no other tensor name — an `Identity` or `Cast` alias — maps
    /// to `a`): only then may the current node change the node that produced it.
    func isReadOnlyHere(_ a: Int, name: String) -> Bool {
        consumers[name, default: 0] == 1 && activations.filter({ $0.value == a }).count == 1
    }

    /// Appends a node reading `from`, named `name`, with `state` tensors (`{name}.{key}`), and
    /// maps the ONNX node's first output to its activation.
    @discardableResult
    mutating func append(
        _ spec: Architecture.LayerSpec, from: [Int], name: String, output: String, rank: Int,
        state: [String: Tensor] = [:], node: Onnx_NodeProto
    ) throws -> Int {
        if let problem = spec.problem { throw fail(node, problem) }
        let shape: [Int]
        do {
            shape = try Architecture.outputShape(of: spec, input: shapes[from[0]], node: name)
        } catch let error as ArchitectureError {
            throw fail(node, error.description.replacingOccurrences(of: "node \(name): ", with: ""))
        }
        guard Self.withinActivationLimit(shape) else {
            throw fail(node, "its output \(shape) exceeds \(Architecture.activationLimit) features per sample")
        }
        if from.count > 1, !spec.concatenatesInputs, let other = from.first(where: { shapes[$0] != shapes[from[0]] }) {
            throw fail(node, "adds activations of shapes \(shapes[from[0]]) and \(shapes[other]); broadcasting is not supported")
        }
        specs.append(spec)
        inputs.append(from)
        names.append(name)
        for (key, tensor) in state { tensors["\(name).\(key)"] = tensor }
        shapes.append(shape)
        ranks.append(rank)
        activations[output] = specs.count
        return specs.count
    }

    /// The architecture and its network, after every node was added.
    func network() throws -> Network {
        guard let last = activations[graphOutput] else {
            throw ONNXImportError(file: file, problem: "the graph output '\(graphOutput)' is \(constants[graphOutput] != nil ? "a constant" : "never computed")")
        }
        guard last == specs.count, last > 0 else {
            throw ONNXImportError(file: file, problem: "the graph output '\(graphOutput)' is not the last node's output; nodes after it compute nothing the output uses")
        }
        let architecture = Architecture(inputShape: shapes[0], layers: specs, inputs: inputs, names: names)
        do { try architecture.validate() } catch {
            throw ONNXImportError(file: file, problem: "\(error)")
        }
        return try ModelCheckpoint.network(architecture, tensors: tensors, file: file)
    }
}
