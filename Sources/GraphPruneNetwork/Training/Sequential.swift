import GraphPruneIO
import GraphPruneNumerics

/// A feed-forward network: layers applied in order to batch-major activations, with every
/// buffer a training step needs allocated once per batch size and reused (no allocation per
/// batch).
///
/// Parameters are named as PyTorch names those of an `nn.Sequential` called `layers`:
/// `layers.{i}.weight` (out × in) and `layers.{i}.bias` for the Dense layer at position `i`.
public struct Sequential: Sendable {
    public let architecture: Architecture
    public private(set) var layers: [any Layer]
    private var workspaces: [Int: Workspace] = [:]

    /// Activations `a[0…L]` (a[0] = the input batch) and gradients `g[0…L]` for one batch size.
    private struct Workspace {
        var activations: [Matrix<Float>]
        var gradients: [Matrix<Float>]
        var labels: [Int32]

        init(batch: Int, sizes: [Int]) {
            activations = sizes.map { Matrix(rows: batch, columns: $0) }
            gradients = sizes.map { Matrix(rows: batch, columns: $0) }
            labels = [Int32](repeating: 0, count: batch)
        }
    }

    /// A freshly initialised network: weights from `initializer`, drawn from `SplitMix64(seed)`
    /// layer by layer (sparse patterns, then their weights; SReLU parameters).
    public init(architecture: Architecture, initializer: Initializer, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let shapes = (try? architecture.shapes()) ?? []
        precondition(shapes.count == architecture.layers.count + 1, "the architecture's layers do not fit together")
        var layers = [any Layer]()
        for (i, spec) in architecture.layers.enumerated() {
            let input = ImageShape(channels: shapes[i][0], height: shapes[i][1], width: shapes[i][2])
            switch spec {
            case .dense(let outputs):
                layers.append(Dense(inputs: input.size, outputs: outputs, initializer: initializer, generator: &generator))
            case .sparseDense(let outputs, let epsilon):
                layers.append(SparseDense(inputs: input.size, outputs: outputs, epsilon: epsilon, initializer: initializer, generator: &generator))
            case .conv2d(let filters, let kernel, let same):
                layers.append(Conv2D(input: input, filters: filters, kernel: kernel, padding: same ? .same : .valid, initializer: initializer, generator: &generator))
            case .maxPool(let size): layers.append(MaxPool2D(input: input, size: size))
            case .globalAveragePooling: layers.append(GlobalAveragePooling(input: input))
            case .relu: layers.append(ReLU())
            case .srelu: layers.append(SReLU(units: input.size, generator: &generator))
            case .dropout(let rate): layers.append(Dropout(rate: Float(rate)))
            }
        }
        self.init(architecture: architecture, layers: layers)
    }

    /// A network from layers built elsewhere (a checkpoint, a pruned model). The layers must
    /// match `architecture`.
    public init(architecture: Architecture, layers: [any Layer]) {
        precondition(layers.count == architecture.layers.count, "layers do not match the architecture")
        self.architecture = architecture
        self.layers = layers
    }

    /// The Dense layers with their positions (`layers.{position}.weight`).
    public var denseLayers: [(position: Int, layer: Dense)] {
        layers.enumerated().compactMap { i, layer in (layer as? Dense).map { (i, $0) } }
    }

    /// Existing connections: nonzero weights of Dense and Conv2D layers, stored connections of
    /// sparse layers.
    public var connections: Int {
        layers.reduce(0) { total, layer in
            switch layer {
            case let d as Dense: return total + d.weight.elements.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            case let s as SparseDense: return total + s.connectionCount
            case let c as Conv2D: return total + c.weight.elements.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            default: return total
            }
        }
    }

    /// Trainable scalars.
    public var parameterCount: Int {
        var count = 0
        for i in layers.indices {
            var layer = layers[i]
            layer.visitParameters { values, _ in count += values.count }
        }
        return count
    }

    /// One optimisation step on a batch: `fill` writes the batch's features (`batch × inputs`)
    /// and labels into the model's buffers; returns the batch's mean loss and correct count.
    ///
    /// The parameters of the layers at the positions in `frozenLayers` are not updated (their
    /// tensors keep their optimiser indices, so freezing does not renumber the others), and the
    /// backward pass stops at the lowest layer that has trainable parameters: a frozen backbone
    /// below the trained head costs a forward pass only.
    public mutating func trainStep(
        batch: Int, fill: (inout Matrix<Float>, inout [Int32]) -> Void,
        optimizer: inout some Optimizer, learningRate: Float, generator: inout SplitMix64,
        frozenLayers: Set<Int> = []
    ) -> (loss: Double, correct: Int) {
        var w = takeWorkspace(batch: batch)
        defer { workspaces[batch] = w }
        fill(&w.activations[0], &w.labels)
        forward(&w, training: true, generator: &generator)
        let last = layers.count
        var gradient: Matrix<Float>? = w.gradients[last]
        w.gradients[last] = Matrix(rows: 0, columns: 0)
        let result = SoftmaxCrossEntropy.evaluate(logits: w.activations[last], labels: w.labels, gradient: &gradient)
        w.gradients[last] = gradient!
        let lowest = frozenLayers.isEmpty ? 0 : lowestTrainableLayer(frozen: frozenLayers)
        for i in stride(from: last - 1, through: lowest, by: -1) {
            if i == lowest && layers[i].skipsInputGradient {
                // Nobody needs ∂L/∂input of the first (or lowest trainable) layer.
                var unused = Matrix<Float>(rows: 0, columns: 0)
                layers[i].backward(
                    input: w.activations[i], output: w.activations[i + 1], outputGradient: w.gradients[i + 1],
                    inputGradient: &unused)
                continue
            }
            var inputGradient = w.gradients[i]
            w.gradients[i] = Matrix(rows: 0, columns: 0)
            layers[i].backward(
                input: w.activations[i], output: w.activations[i + 1], outputGradient: w.gradients[i + 1],
                inputGradient: &inputGradient)
            w.gradients[i] = inputGradient
        }
        optimizer.beginStep()
        var index = 0
        for i in layers.indices {
            let frozen = frozenLayers.contains(i)
            layers[i].visitParameters { values, gradient in
                if !frozen { optimizer.update(index: index, values: &values, gradient: gradient, learningRate: learningRate) }
                index += 1
            }
        }
        return result
    }

    /// The lowest position whose layer has parameters and is not frozen (`layers.count` if none):
    /// no layer below it needs a backward pass.
    private mutating func lowestTrainableLayer(frozen: Set<Int>) -> Int {
        for i in layers.indices where !frozen.contains(i) {
            var hasParameters = false
            layers[i].visitParameters { _, _ in hasParameters = true }
            if hasParameters { return i }
        }
        return layers.count
    }

    /// Runs `body` on the layer at `position` as an `L` (trapping if it is not one), in place:
    /// e.g. rewiring a `SparseDense` layer between epochs. The layer must keep its input and
    /// output sizes (the architecture and the buffers depend on them).
    public mutating func modifyLayer<L: Layer, R>(at position: Int, as type: L.Type, _ body: (inout L) throws -> R) rethrows -> R {
        guard var layer = layers[position] as? L else {
            preconditionFailure("layer \(position) is a \(Swift.type(of: layers[position])), not a \(L.self)")
        }
        let sizes = architecture.sizes
        layers[position] = ReLU()  // drop the array's reference so that `layer` mutates in place
        defer {
            precondition(layer.outputSize(inputSize: sizes[position]) == sizes[position + 1],
                         "layer \(position) changed its size")
            layers[position] = layer
        }
        return try body(&layer)
    }

    /// Mean loss and accuracy on `data`, in evaluation mode (no dropout), `batch` rows at a time.
    public mutating func evaluate(_ data: LabeledData, batch: Int = 1000) -> (loss: Double, accuracy: Double) {
        var generator = SplitMix64(seed: 0)  // unused in evaluation mode
        var lossSum = 0.0, correct = 0
        var start = 0
        while start < data.count {
            let rows = min(batch, data.count - start)
            var w = takeWorkspace(batch: rows)
            data.gather(start..<(start + rows), into: &w.activations[0], labels: &w.labels)
            forward(&w, training: false, generator: &generator)
            var none: Matrix<Float>? = nil
            let r = SoftmaxCrossEntropy.evaluate(logits: w.activations[layers.count], labels: w.labels, gradient: &none)
            lossSum += r.loss * Double(rows)
            correct += r.correct
            workspaces[rows] = w
            start += rows
        }
        return data.count == 0 ? (0, 0) : (lossSum / Double(data.count), Double(correct) / Double(data.count))
    }

    private mutating func forward(_ w: inout Workspace, training: Bool, generator: inout SplitMix64) {
        for i in layers.indices {
            // Move the output buffer out so it is uniquely referenced while the layer writes it.
            var output = w.activations[i + 1]
            w.activations[i + 1] = Matrix(rows: 0, columns: 0)
            layers[i].forward(w.activations[i], into: &output, training: training, generator: &generator)
            w.activations[i + 1] = output
        }
    }

    private mutating func takeWorkspace(batch: Int) -> Workspace {
        if let w = workspaces.removeValue(forKey: batch) { return w }
        return Workspace(batch: batch, sizes: architecture.sizes)
    }
}
