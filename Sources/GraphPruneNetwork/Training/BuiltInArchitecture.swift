/// The networks of the papers' experiments, by name (`--arch resnet20`), as graphs adapted to
/// the data set's input shape and class count. Node names follow the PyTorch implementations
/// these networks are usually trained with, so their state dicts map by name.
///
/// - `resnet20`: He et al.'s (2016) CIFAR ResNet — a 3×3 convolution (16 filters), then three
///   stages of three basic blocks (16, 32, 64 channels; the first block of stages 2 and 3 has
///   stride 2), global average pooling and a Dense head. A basic block is
///   `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`; the shortcut is the identity, or
///   where the shape changes a 1×1 convolution with the block's stride and a BatchNorm
///   (option B). Convolutions have no bias (a BatchNorm follows each). Names as in the common
///   `resnet_cifar` code: `conv1`, `bn1`, `layer{s}.{b}.conv1`, `…bn1`, `…conv2`, `…bn2`,
///   `…shortcut.0` (convolution), `…shortcut.1` (BatchNorm), `linear`. 0.27 M parameters.
/// - `vgg11`, `vgg16`: Simonyan & Zisserman's configurations A and D in the CIFAR variant with
///   BatchNorm (as in paper 004's experiments): every 3×3 convolution (padding 1, with bias) is
///   followed by BatchNorm and ReLU, `M` is a 2×2 max pool, then global average pooling and one
///   Dense layer (`classifier`) of 512 inputs. Names as PyTorch numbers an `nn.Sequential`
///   called `features` (`features.0` the first convolution, `features.1` its BatchNorm, …). A
///   max pool that does not fit the activation (on 28 × 28 inputs the fifth one, at 1 × 1) is
///   left out, so the network adapts to small images.
public enum BuiltInArchitecture: String, CaseIterable, Sendable {
    case resnet20, vgg11, vgg16

    /// The graph for samples of shape `inputShape` (`[C, H, W]`) and `classes` outputs.
    /// - Throws: `ArchitectureError` when the input is too small for the network.
    public func architecture(inputShape: [Int], classes: Int) throws -> Architecture {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }), classes > 0 else {
            throw ArchitectureError("\(rawValue) needs a [C, H, W] input and a positive class count, got \(inputShape) and \(classes)")
        }
        var graph = GraphBuilder(inputShape: inputShape)
        switch self {
        case .resnet20: try graph.residualNetwork(blocksPerStage: 3, classes: classes)
        case .vgg11: try graph.vgg([64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil], classes: classes)
        case .vgg16:
            try graph.vgg([64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil], classes: classes)
        }
        return Architecture(inputShape: inputShape, layers: graph.layers, inputs: graph.inputs, names: graph.names, builtIn: rawValue)
    }
}

/// Appends named nodes to a graph in topological order, tracking activation shapes.
struct GraphBuilder {
    private(set) var layers: [Architecture.LayerSpec] = []
    private(set) var inputs: [[Int]] = []
    private(set) var names: [String] = []
    private var shapes: [[Int]]

    init(inputShape: [Int]) { shapes = [inputShape] }

    /// The shape of activation `a` (0 = the input).
    func shape(_ a: Int) -> [Int] { shapes[a] }

    /// Adds node `name` reading the activations `from`; returns its output's activation index.
    @discardableResult
    mutating func add(_ name: String, _ spec: Architecture.LayerSpec, from: [Int]) throws -> Int {
        layers.append(spec)
        inputs.append(from)
        names.append(name)
        let architecture = Architecture(inputShape: shapes[0], layers: layers, inputs: inputs, names: names)
        shapes = try architecture.shapes()
        return layers.count
    }

    static let batchNorm = Architecture.LayerSpec.batchNorm(momentum: 0.1, epsilon: 1e-5)

    /// `convolution → BatchNorm` (no convolution bias), returning the BatchNorm's activation.
    mutating func convolutionBatchNorm(
        _ convolution: String, _ norm: String, filters: Int, kernel: Int, stride: Int, from: Int
    ) throws -> Int {
        let spec = Architecture.Convolution(filters: filters, kernel: kernel, stride: stride, padding: kernel / 2, bias: false)
        let c = try add(convolution, .convolution(spec), from: [from])
        return try add(norm, Self.batchNorm, from: [c])
    }

    /// He et al.'s CIFAR ResNet with `blocksPerStage` basic blocks per stage (3: ResNet-20).
    mutating func residualNetwork(blocksPerStage: Int, classes: Int) throws {
        var x = try convolutionBatchNorm("conv1", "bn1", filters: 16, kernel: 3, stride: 1, from: 0)
        x = try add("relu", .relu, from: [x])
        for (stage, planes) in [16, 32, 64].enumerated() {
            for block in 0..<blocksPerStage {
                let name = "layer\(stage + 1).\(block)"
                let stride = stage > 0 && block == 0 ? 2 : 1
                var y = try convolutionBatchNorm("\(name).conv1", "\(name).bn1", filters: planes, kernel: 3, stride: stride, from: x)
                y = try add("\(name).relu1", .relu, from: [y])
                y = try convolutionBatchNorm("\(name).conv2", "\(name).bn2", filters: planes, kernel: 3, stride: 1, from: y)
                let shortcut = stride != 1 || shape(x)[0] != planes
                    ? try convolutionBatchNorm("\(name).shortcut.0", "\(name).shortcut.1", filters: planes, kernel: 1, stride: stride, from: x)
                    : x
                let sum = try add("\(name).add", .add, from: [y, shortcut])
                x = try add("\(name).relu2", .relu, from: [sum])
            }
        }
        x = try add("avgpool", .globalAveragePooling, from: [x])
        try add("linear", .dense(outputs: classes), from: [x])
    }

    /// A VGG configuration: filter counts, nil for a 2×2 max pool (left out where it does not fit).
    mutating func vgg(_ configuration: [Int?], classes: Int) throws {
        var x = 0, index = 0
        for entry in configuration {
            if let filters = entry {
                let spec = Architecture.Convolution(filters: filters, kernel: 3, stride: 1, padding: 1, bias: true)
                x = try add("features.\(index)", .convolution(spec), from: [x])
                x = try add("features.\(index + 1)", Self.batchNorm, from: [x])
                x = try add("features.\(index + 2)", .relu, from: [x])
                index += 3
            } else {
                if shape(x)[1] >= 2 && shape(x)[2] >= 2 { x = try add("features.\(index)", .maxPool(size: 2), from: [x]) }
                index += 1
            }
        }
        x = try add("avgpool", .globalAveragePooling, from: [x])
        try add("classifier", .dense(outputs: classes), from: [x])
    }
}
