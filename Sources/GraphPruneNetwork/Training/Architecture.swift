import Foundation
import GraphPruneIO
import GraphPruneNumerics

/// A network described by value, so that a checkpoint records it and a pruned model can be
/// rebuilt with other widths: the input's shape and a **directed acyclic graph of named
/// nodes**, each an operation (`LayerSpec`) applied to the outputs of earlier nodes.
///
/// **Activations.** Index 0 is the network's input; node `i`'s output is activation `i + 1`.
/// `inputs[i]` lists the activations node `i` reads, all of them earlier (the nodes are in
/// topological order), so the last node gives the logits. A node with several inputs acts on
/// their sum (only `.add` nodes have several). Activations are flat rows (`C·H·W` features per
/// sample, channels first), so Dense layers follow convolutions without a Flatten.
///
/// **Names** follow PyTorch module paths (`layer1.0.conv1`), so that checkpoint tensors are
/// named as a PyTorch state dict names them (`layer1.0.conv1.weight`, `layer1.0.bn1.running_mean`).
///
/// **Chains** are the special case the `784-256-10` grammar builds (`parse`): node `i` reads
/// activation `i` and is called `layers.{i}` (PyTorch's `nn.Sequential` called `layers`). A
/// chain's JSON has no `inputs` or `names`, exactly as before graphs existed, so checkpoints
/// written then load, and write, unchanged.
public struct Architecture: Codable, Equatable, Sendable {
    public enum Activation: String, Codable, Sendable, CaseIterable { case relu, srelu }

    /// The operation of a node. Every switch over it is exhaustive, so a new kind of layer that
    /// the code does not handle somewhere does not compile.
    public enum LayerSpec: Codable, Equatable, Sendable {
        case dense(outputs: Int)
        case sparseDense(outputs: Int, epsilon: Double)
        /// A 3×3-style convolution of the chain grammar: stride 1, bias, `same` or `valid`.
        case conv2d(filters: Int, kernel: Int, same: Bool)
        case maxPool(size: Int)
        case globalAveragePooling
        case relu
        case srelu
        case dropout(rate: Double)
        /// A convolution with stride, padding, groups and an optional bias (`Convolution`).
        case convolution(Convolution)
        /// BatchNorm over the input's channels (PyTorch `BatchNorm2d`, or `1d` on vectors).
        case batchNorm(momentum: Double, epsilon: Double)
        /// Average pooling over non-overlapping `size × size` windows.
        case averagePool(size: Int)
        /// The sum of the node's inputs (a residual connection).
        case add
        /// `C × H × W` → `C·H·W` (the data does not move).
        case flatten
        case identity
        /// Max or average pooling with kernel, stride and padding (`Pooling`).
        case pooling(Pooling)
        /// `min(max(x, minimum), maximum)` entrywise (ReLU6: 0 and 6).
        case clip(minimum: Double, maximum: Double)
        /// A fixed affine map per channel, `y = scale_c · x + shift_c` (`ChannelAffine`); one
        /// entry applies to every channel.
        case channelAffine(scale: [Double], shift: [Double])
        /// `σ(x)` entrywise.
        case sigmoid
        /// `x σ(x)` entrywise (swish).
        case silu
        /// The product of the node's two inputs (`Multiply`); with `broadcast` the second is
        /// `C × 1 × 1`, one value per channel of the first (squeeze-excitation).
        case multiply(broadcast: Bool)
    }

    /// A pooling's kind and windows (PyTorch's `MaxPool2d(k, s, p)` or `AvgPool2d(k, s, p,
    /// count_include_pad=countsPadding)`).
    public struct Pooling: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable { case max, average }
        public var kind: Kind
        public var window: PoolingWindow
        /// Average pooling: whether padded positions count in the divisor.
        public var countsPadding: Bool

        public init(_ kind: Kind, window: PoolingWindow, countsPadding: Bool = true) {
            (self.kind, self.window, self.countsPadding) = (kind, window, countsPadding)
        }
    }

    /// A convolution's hyperparameters (square kernel, stride, symmetric padding and dilation, as
    /// PyTorch's `Conv2d(kernel_size=k, stride=s, padding=p, dilation=d, groups=g, bias=b)`).
    /// The JSON leaves out a dilation of 1, so architectures written before dilation existed
    /// read, and write, unchanged.
    public struct Convolution: Codable, Equatable, Sendable {
        public var filters: Int
        public var kernel: Int
        public var stride: Int
        public var padding: Int
        public var groups: Int
        public var bias: Bool
        public var dilation: Int

        public init(filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = true, dilation: Int = 1) {
            (self.filters, self.kernel, self.stride, self.padding, self.groups, self.bias) = (filters, kernel, stride, padding, groups, bias)
            self.dilation = dilation
        }

        /// The extent the kernel spans, `d(k − 1) + 1`.
        public var span: Int { dilation * (kernel - 1) + 1 }

        private enum CodingKeys: String, CodingKey { case filters, kernel, stride, padding, groups, bias, dilation }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                filters: try c.decode(Int.self, forKey: .filters), kernel: try c.decode(Int.self, forKey: .kernel),
                stride: try c.decode(Int.self, forKey: .stride), padding: try c.decode(Int.self, forKey: .padding),
                groups: try c.decode(Int.self, forKey: .groups), bias: try c.decode(Bool.self, forKey: .bias),
                dilation: try c.decodeIfPresent(Int.self, forKey: .dilation) ?? 1)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(filters, forKey: .filters)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(stride, forKey: .stride)
            try c.encode(padding, forKey: .padding)
            try c.encode(groups, forKey: .groups)
            try c.encode(bias, forKey: .bias)
            if dilation != 1 { try c.encode(dilation, forKey: .dilation) }
        }
    }

    /// `[channels, height, width]` of one sample.
    public var inputShape: [Int]
    /// The nodes' operations, in topological order.
    public var layers: [LayerSpec]
    /// The activations each node reads (0 = the input, `j + 1` = node `j`'s output).
    public var inputs: [[Int]]
    /// Each node's name (a PyTorch module path).
    public var names: [String]
    /// The built-in architecture this graph was made from (`resnet20`, `vgg11`, …), if any.
    public var builtIn: String?

    public var inputSize: Int { inputShape.reduce(1, *) }

    /// A chain: node `i` reads the previous node's output and is called `layers.{i}`.
    public init(inputShape: [Int], layers: [LayerSpec]) {
        self.init(inputShape: inputShape, layers: layers, inputs: Self.chainInputs(layers.count), names: Self.chainNames(layers.count))
    }

    public init(inputSize: Int, layers: [LayerSpec]) {
        self.init(inputShape: [1, 1, inputSize], layers: layers)
    }

    /// A graph; `shapes()` checks that it fits together.
    public init(inputShape: [Int], layers: [LayerSpec], inputs: [[Int]], names: [String], builtIn: String? = nil) {
        precondition(inputs.count == layers.count && names.count == layers.count, "every node needs inputs and a name")
        (self.inputShape, self.layers, self.inputs, self.names, self.builtIn) = (inputShape, layers, inputs, names, builtIn)
    }

    static func chainInputs(_ count: Int) -> [[Int]] { (0..<count).map { [$0] } }
    static func chainNames(_ count: Int) -> [String] { (0..<count).map { "layers.\($0)" } }

    /// Whether every node reads only its predecessor's output (the `784-256-10` kind).
    public var isChain: Bool { inputs == Self.chainInputs(layers.count) }

    /// The same graph with other operations (same count; e.g. narrower layers after pruning).
    public func replacingLayers(_ specs: [LayerSpec]) -> Architecture {
        precondition(specs.count == layers.count, "\(specs.count) specs for \(layers.count) nodes")
        var copy = self
        copy.layers = specs
        return copy
    }

    /// The shape `[C, H, W]` of every activation: `shapes()[0]` is the input, `[i + 1]` node
    /// `i`'s output.
    /// - Throws: `ArchitectureError` naming the node that does not fit (a kernel or pool larger
    ///   than its input, groups that do not divide the channels, an Add of different shapes, an
    ///   input that is not an earlier activation).
    public func shapes() throws -> [[Int]] {
        var result = [inputShape]
        for (i, layer) in layers.enumerated() {
            let node = names[i]
            guard let first = inputs[i].first, inputs[i].allSatisfy({ $0 >= 0 && $0 <= i }) else {
                throw ArchitectureError("node \(node): inputs \(inputs[i]) must be earlier activations (0 = the input, j + 1 = node j)")
            }
            let s = result[first]
            if case .multiply(let broadcast) = layer {
                guard inputs[i].count == 2 else { throw ArchitectureError("node \(node): a multiply node takes two inputs") }
                let second = result[inputs[i][1]]
                guard broadcast ? Self.isChannelGate(second, of: s) : second == s else {
                    throw ArchitectureError("node \(node): multiplies inputs of shapes \(s) and \(second)\(broadcast ? " (the second must be [C, 1, 1] for an image of C channels)" : "")")
                }
            } else {
                guard inputs[i].count == 1 || layer == .add else {
                    throw ArchitectureError("node \(node): only add and multiply nodes take several inputs")
                }
                if inputs[i].count > 1, let other = inputs[i].first(where: { result[$0] != s }) {
                    throw ArchitectureError("node \(node): adds inputs of shapes \(s) and \(result[other])")
                }
            }
            result.append(try Self.outputShape(of: layer, input: s, node: node))
        }
        return result
    }

    /// The output shape of `layer` on an input of shape `s` (`node` names it in errors).
    package static func outputShape(of layer: LayerSpec, input s: [Int], node: String) throws -> [Int] {
        switch layer {
        case .dense(let n), .sparseDense(let n, _): return [1, 1, n]
        case .conv2d(let filters, let kernel, let same):
            guard same || (s[1] >= kernel && s[2] >= kernel) else {
                throw ArchitectureError("node \(node): a \(kernel)×\(kernel) valid convolution does not fit a \(s[1])×\(s[2]) input")
            }
            return same ? [filters, s[1], s[2]] : [filters, s[1] - kernel + 1, s[2] - kernel + 1]
        case .convolution(let c):
            guard s[0] % c.groups == 0 && c.filters % c.groups == 0 else {
                throw ArchitectureError("node \(node): \(c.groups) groups must divide the \(s[0]) input channels and \(c.filters) filters")
            }
            let height = (s[1] + 2 * c.padding - c.span) / c.stride + 1, width = (s[2] + 2 * c.padding - c.span) / c.stride + 1
            guard s[1] + 2 * c.padding >= c.span && s[2] + 2 * c.padding >= c.span && height > 0 && width > 0 else {
                throw ArchitectureError("node \(node): a \(c.kernel)×\(c.kernel) convolution\(c.dilation > 1 ? " of dilation \(c.dilation)" : "") with padding \(c.padding) does not fit a \(s[1])×\(s[2]) input")
            }
            return [c.filters, height, width]
        case .maxPool(let size), .averagePool(let size):
            guard s[1] >= size && s[2] >= size else {
                throw ArchitectureError("node \(node): a \(size)×\(size) pool does not fit a \(s[1])×\(s[2]) input")
            }
            return [s[0], s[1] / size, s[2] / size]
        case .pooling(let p):
            if let problem = p.window.problem(height: s[1], width: s[2]) { throw ArchitectureError("node \(node): \(problem)") }
            let (h, w) = p.window.outputExtents(height: s[1], width: s[2])
            return [s[0], h, w]
        case .globalAveragePooling: return [s[0], 1, 1]
        case .flatten:
            let (hw, o1) = s[1].multipliedReportingOverflow(by: s[2]), (size, o2) = s[0].multipliedReportingOverflow(by: hw)
            guard !o1, !o2, size <= Self.activationLimit else {
                throw ArchitectureError("node \(node): flattening \(s) exceeds \(Self.activationLimit) features per sample")
            }
            return [1, 1, size]
        case .channelAffine(let scale, let shift):
            let channels = Architecture.channelLayout(of: s).channels
            guard [1, channels].contains(scale.count), [1, channels].contains(shift.count) else {
                throw ArchitectureError("node \(node): \(scale.count) scales and \(shift.count) shifts for \(channels) channels (1 or \(channels) each)")
            }
            return s
        case .relu, .srelu, .dropout, .batchNorm, .add, .identity, .clip, .sigmoid, .silu, .multiply: return s
        }
    }

    /// Whether `gate` holds one value per channel of the image `shape` (`[C, 1, 1]` against
    /// `[C, H, W]` with `H·W > 1`, not a vector `[1, 1, n]`, whose channels are its features).
    public static func isChannelGate(_ gate: [Int], of shape: [Int]) -> Bool {
        gate == [shape[0], 1, 1] && shape[1] * shape[2] > 1 && channelLayout(of: shape).channels == shape[0]
    }

    /// `ImageShape.channelLayout` of a `[C, H, W]` shape: `(C, H·W)`, a vector `[1, 1, n]` as
    /// `n` channels of one value.
    public static func channelLayout(of shape: [Int]) -> (channels: Int, area: Int) {
        ImageShape(channels: shape[0], height: shape[1], width: shape[2]).channelLayout
    }

    /// How many nodes read each activation (`layers.count + 1` entries; the logits have none).
    /// O(nodes + edges).
    var readerCounts: [Int] {
        var counts = [Int](repeating: 0, count: layers.count + 1)
        for node in inputs { for a in node { counts[a] += 1 } }
        return counts
    }

    /// Feature counts of every activation: `sizes[0]` = inputs, `sizes[i + 1]` = node `i`'s output.
    public var sizes: [Int] { ((try? shapes()) ?? []).map { $0.reduce(1, *) } }

    /// The most parameters an architecture may declare (2³¹ floats, 8 GiB): checked before
    /// anything is allocated.
    public static let parameterLimit = 1 << 31
    /// The largest extent, width, kernel, stride or padding a spec may give (2²⁴), so that no
    /// shape arithmetic can overflow, and the most features one activation of one sample may
    /// hold (2²⁸ floats, 1 GiB).
    public static let extentLimit = 1 << 24, activationLimit = 1 << 28

    /// Checks the whole description: every node's spec, the names (unique, non-empty), the
    /// shapes, and the parameter count against `parameterLimit`.
    /// - Throws: `ArchitectureError` naming the node.
    public func validate() throws {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 && $0 <= Self.extentLimit }) else {
            throw ArchitectureError("input shape \(inputShape): [C, H, W] with positive extents of at most \(Self.extentLimit) is needed")
        }
        guard inputs.count == layers.count, names.count == layers.count else {
            throw ArchitectureError("\(layers.count) nodes but \(inputs.count) input lists and \(names.count) names")
        }
        guard !layers.isEmpty else { throw ArchitectureError("the network has no nodes") }
        var seen = Set<String>()
        for (i, layer) in layers.enumerated() {
            guard !names[i].isEmpty, seen.insert(names[i]).inserted else {
                throw ArchitectureError("node \(i): name '\(names[i])' is empty or used twice")
            }
            if let problem = layer.problem { throw ArchitectureError("node \(names[i]): \(problem)") }
        }
        let shapes = try shapes()
        var total = 0
        for (a, shape) in shapes.enumerated() {
            let (hw, o1) = shape[1].multipliedReportingOverflow(by: shape[2])
            let (size, o2) = shape[0].multipliedReportingOverflow(by: hw)
            let place = a == 0 ? "the input" : "node \(names[a - 1])"
            guard !o1, !o2, size <= Self.activationLimit else {
                throw ArchitectureError("\(place): an activation of shape \(shape) exceeds \(Self.activationLimit) features per sample")
            }
            total += size
            guard total <= 4 * Self.activationLimit else {
                throw ArchitectureError("\(place): the activations up to here exceed \(4 * Self.activationLimit) features per sample")
            }
            // A convolution unfolds each sample into taps × output pixels (im2col).
            if a > 0, case let (taps?, pixels) = (layers[a - 1].taps(input: shapes[inputs[a - 1][0]]), shape[1] * shape[2]) {
                let (unfolded, overflow) = taps.multipliedReportingOverflow(by: pixels)
                guard !overflow, unfolded <= Self.activationLimit else {
                    throw ArchitectureError("\(place): unfolding one sample for the convolution takes more than \(Self.activationLimit) floats")
                }
            }
        }
        var read = Set(inputs.joined())
        read.insert(layers.count)
        if let unused = (1...layers.count).first(where: { !read.contains($0) }) {
            throw ArchitectureError("node \(names[unused - 1]): its output is not used (only the last node's output may be unread)")
        }
        var parameters = 0
        for (i, layer) in layers.enumerated() {
            let (count, overflow) = parameters.addingReportingOverflow(layer.parameterBound(input: shapes[inputs[i][0]], output: shapes[i + 1]))
            guard !overflow, count <= Self.parameterLimit else {
                throw ArchitectureError("node \(names[i]): the network would have more than \(Self.parameterLimit) parameters")
            }
            parameters = count
        }
        // Training holds each parameter four times: the weight, its gradient and two optimiser
        // moments (Adam's; SGD's momentum is one of them).
        do { try MemoryBudget.require([parameters], bytesEach: 4 * MemoryLayout<Float>.size, for: "training \(parameters) parameters") } catch {
            throw ArchitectureError("\(error)")
        }
    }

    /// The JSON stored in a checkpoint's metadata (a chain without `inputs` and `names`).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func fromJSON(_ text: String, name: String) throws -> Architecture {
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: Data(text.utf8))
        } catch {
            throw FileFormatError(file: name, problem: "metadata 'architecture' is not a valid architecture: \(error)")
        }
        do {
            try architecture.validate()
        } catch {
            throw FileFormatError(file: name, problem: "metadata 'architecture': \(error)")
        }
        return architecture
    }

    private enum CodingKeys: String, CodingKey { case inputShape, layers, inputs, names, builtIn }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputShape = try container.decode([Int].self, forKey: .inputShape)
        layers = try container.decode([LayerSpec].self, forKey: .layers)
        inputs = try container.decodeIfPresent([[Int]].self, forKey: .inputs) ?? Self.chainInputs(layers.count)
        names = try container.decodeIfPresent([String].self, forKey: .names) ?? Self.chainNames(layers.count)
        builtIn = try container.decodeIfPresent(String.self, forKey: .builtIn)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputShape, forKey: .inputShape)
        try container.encode(layers, forKey: .layers)
        if inputs != Self.chainInputs(layers.count) { try container.encode(inputs, forKey: .inputs) }
        if names != Self.chainNames(layers.count) { try container.encode(names, forKey: .names) }
        try container.encodeIfPresent(builtIn, forKey: .builtIn)
    }
}

extension Architecture.LayerSpec {
    /// Whether the node reads its inputs side by side (`[a | b]` per sample: `Multiply`) rather
    /// than their sum (`Add`, and every node with one input).
    public var concatenatesInputs: Bool { if case .multiply = self { true } else { false } }

    /// Why this spec cannot be built, or nil.
    package var problem: String? {
        if let large = extents.first(where: { $0 > Architecture.extentLimit }) {
            return "\(large) exceeds \(Architecture.extentLimit), the largest width, kernel, stride or padding"
        }
        switch self {
        case .dense(let n) where n <= 0: return "dense width \(n) must be positive"
        case .sparseDense(let n, let e) where n <= 0 || !(e > 0) || !e.isFinite:
            return "sparse dense width \(n) and ε \(e) must be positive"
        case .conv2d(let f, let k, _) where f <= 0 || k <= 0: return "convolution filters \(f) and kernel \(k) must be positive"
        case .convolution(let c) where c.filters <= 0 || c.kernel <= 0 || c.stride <= 0 || c.padding < 0 || c.groups <= 0 || c.dilation <= 0:
            return "convolution filters \(c.filters), kernel \(c.kernel), stride \(c.stride), dilation \(c.dilation) and groups \(c.groups) must be positive, padding \(c.padding) ≥ 0"
        case .maxPool(let size) where size <= 0, .averagePool(let size) where size <= 0: return "pool size \(size) must be positive"
        case .dropout(let rate) where !(rate >= 0 && rate < 1): return "dropout rate \(rate) is outside [0, 1)"
        case .batchNorm(let momentum, let epsilon) where !(momentum >= 0 && momentum <= 1) || !(Float(epsilon) > 0 && Float(epsilon).isFinite):
            return "batch norm momentum \(momentum) must lie in [0, 1] and ε \(epsilon) be a positive, finite Float"
        case .pooling(let p) where p.window.kernel <= 0 || p.window.stride <= 0 || p.window.padding < 0 || 2 * p.window.padding > p.window.kernel:
            return "pool kernel \(p.window.kernel) and stride \(p.window.stride) must be positive, padding \(p.window.padding) between 0 and half the kernel"
        case .clip(let a, let b) where !(Float(a).isFinite && Float(b).isFinite && a <= b):
            return "clip bounds \(a) and \(b) must be finite Floats with minimum ≤ maximum"
        case .channelAffine(let scale, let shift) where !(scale + shift).allSatisfy({ Float($0).isFinite }) || scale.isEmpty || shift.isEmpty:
            return "channel affine constants must be finite Floats, at least one each"
        default: return nil
        }
    }

    /// A convolution's taps per output pixel over all channels (`C·k·k`, the rows of its
    /// unfolded input), nil for other nodes.
    func taps(input: [Int]) -> Int? {
        switch self {
        case .conv2d(_, let k, _): return input[0] * k * k
        case .convolution(let c): return input[0] * c.kernel * c.kernel
        default: return nil
        }
    }

    /// The integers the spec gives (widths, kernels, strides, paddings, groups, pool sizes).
    var extents: [Int] {
        switch self {
        case .dense(let n), .sparseDense(let n, _): [n]
        case .conv2d(let f, let k, _): [f, k]
        case .convolution(let c): [c.filters, c.kernel, c.stride, c.padding, c.groups, c.dilation]
        case .maxPool(let s), .averagePool(let s): [s]
        case .pooling(let p): [p.window.kernel, p.window.stride, p.window.padding]
        case .globalAveragePooling, .relu, .srelu, .dropout, .batchNorm, .add, .flatten, .identity, .clip, .channelAffine,
             .sigmoid, .silu, .multiply: []
        }
    }

    /// An upper bound of the layer's parameters between activations of shapes `input` and
    /// `output` (dense weights; a sparse layer at most all of them), for the memory check.
    func parameterBound(input: [Int], output: [Int]) -> Int {
        /// The product, or `Int.max` when it overflows.
        func product(_ factors: Int...) -> Int {
            factors.reduce(1) { p, f in
                let (r, overflow) = p.multipliedReportingOverflow(by: f)
                return overflow ? Int.max : r
            }
        }
        let inputs = product(input[0], input[1], input[2]), outputs = product(output[0], output[1], output[2])
        switch self {
        case .dense, .sparseDense: return product(inputs, outputs) == Int.max ? Int.max : product(inputs, outputs) + outputs
        case .conv2d(let filters, let kernel, _): return product(filters, input[0], kernel, kernel, 2)
        case .convolution(let c): return product(c.filters, input[0] / c.groups, c.kernel, c.kernel, 2)
        case .batchNorm: return product(4, Architecture.channelLayout(of: input).channels)
        case .srelu: return product(4, inputs)
        case .maxPool, .averagePool, .pooling, .globalAveragePooling, .relu, .dropout, .add, .flatten, .identity, .clip, .channelAffine, .sigmoid, .silu, .multiply: return 0
        }
    }
}

public struct ArchitectureError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
