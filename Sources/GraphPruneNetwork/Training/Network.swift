import GraphPruneIO
import GraphPruneNumerics

/// A network: the layers of an `Architecture`'s nodes executed in topological order on
/// batch-major activations, with every buffer a training step needs allocated once per batch
/// size and reused (no allocation per batch).
///
/// **Execution.** Activation 0 is the batch; node `i` writes activation `i + 1` from the
/// activations `architecture.inputs[i]` (a residual Add sums them into its output; a Multiply
/// reads them side by side, in a buffer of its own). Backward runs the nodes in reverse: the gradient
/// of an activation read by several nodes (a block input feeding the residual branch and the
/// shortcut) is the sum of what its readers send back, added in reverse node order, so results
/// are deterministic. A chain (`784-256-10`) executes exactly as a plain layer sequence: every
/// layer writes its input gradient straight into its predecessor's buffer.
///
/// Parameters are named by their nodes (`layers.{i}.weight` in a chain, `layer1.0.conv1.weight`
/// in a built-in graph), as PyTorch names a state dict's tensors (`ModelCheckpoint`).
public struct Network: Sendable {
    public let architecture: Architecture
    public private(set) var layers: [any Layer]
    private var workspaces: [Int: Workspace] = [:]
    /// How many nodes read each activation.
    let readers: [Int]
    /// Whether training steps, evaluations and `BatchInference` run an execution plan
    /// (`Network+ExecutionPlan.swift`): activations channel-blocked where every layer touching
    /// them computes in that layout, ReLUs computed inside the convolutions before them. On by
    /// default; the results are the same values. Off, every activation is plain and every node
    /// runs on its own, as in `Network+Gradients.swift`: for comparing the two.
    public var plansExecution = true {
        didSet { workspaces = [:] }
    }

    /// A freshly initialised network: weights from `initializer`, drawn from `SplitMix64(seed)`
    /// node by node (sparse patterns, then their weights; SReLU parameters).
    public init(architecture: Architecture, initializer: Initializer, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let shapes = (try? architecture.shapes()) ?? []
        precondition(shapes.count == architecture.layers.count + 1, "the architecture's layers do not fit together")
        var layers = [any Layer]()
        for (i, spec) in architecture.layers.enumerated() {
            let s = shapes[architecture.inputs[i][0]]
            let input = ImageShape(channels: s[0], height: s[1], width: s[2])
            switch spec {
            case .dense(let outputs):
                layers.append(Dense(inputs: input.size, outputs: outputs, initializer: initializer, generator: &generator))
            case .sparseDense(let outputs, let epsilon):
                layers.append(SparseDense(inputs: input.size, outputs: outputs, epsilon: epsilon, initializer: initializer, generator: &generator))
            case .conv2d(let filters, let kernel, let same):
                layers.append(Conv2D(input: input, filters: filters, kernel: kernel, padding: same ? .same : .valid, initializer: initializer, generator: &generator))
            case .convolution(let c):
                let taps = input.channels / c.groups * c.kernel * c.kernel
                layers.append(Conv2D(
                    input: input, kernel: (c.kernel, c.kernel), stride: (c.stride, c.stride), dilation: (c.dilation, c.dilation), padding: .symmetric(c.padding),
                    groups: c.groups, weight: initializer.weights(outputs: c.filters, inputs: taps, generator: &generator),
                    bias: c.bias ? [Float](repeating: 0, count: c.filters) : nil))
            case .batchNorm(let momentum, let epsilon):
                let (channels, area) = input.channelLayout
                layers.append(BatchNorm(channels: channels, area: area, momentum: Float(momentum), epsilon: Float(epsilon)))
            case .maxPool(let size): layers.append(MaxPool2D(input: input, size: size))
            case .averagePool(let size): layers.append(AveragePool2D(input: input, size: size))
            case .globalAveragePooling: layers.append(GlobalAveragePooling(input: input))
            case .relu: layers.append(ReLU())
            case .srelu: layers.append(SReLU(units: input.size, generator: &generator))
            case .dropout(let rate): layers.append(Dropout(rate: Float(rate)))
            case .add, .flatten, .identity: layers.append(Identity())
            case .pooling(let p): layers.append(p.layer(input: input))
            case .clip(let a, let b): layers.append(Clip(minimum: Float(a), maximum: Float(b)))
            case .channelAffine(let scale, let shift): layers.append(ChannelAffine(scale: scale, shift: shift, input: input))
            case .sigmoid: layers.append(Sigmoid())
            case .silu: layers.append(SiLU())
            case .multiply(let broadcast): layers.append(Multiply(input: input, broadcast: broadcast))
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
        readers = architecture.readerCounts
    }

    /// The Dense layers with their positions (`layers.{position}.weight`).
    public var denseLayers: [(position: Int, layer: Dense)] {
        architecture.layers.indices.compactMap { i in
            if case .dense = architecture.layers[i] { (i, layer(at: i, as: Dense.self)) } else { nil }
        }
    }

    /// The layer at `position` as the type its spec makes (a `SparseDense` for `.sparseDense`, …):
    /// the one place that reads a node as its concrete type, for code that works with that type
    /// by definition (SET rewires sparse layers). Traps if it is another type.
    public func layer<L: Layer>(at position: Int, as type: L.Type) -> L {
        guard let layer = layers[position] as? L else {
            preconditionFailure("layer \(position) is a \(Swift.type(of: layers[position])), not a \(L.self)")
        }
        return layer
    }

    /// The positions of the sparse (`SparseDense`) layers, from the architecture.
    public var sparseLayerPositions: [Int] {
        architecture.layers.indices.filter { if case .sparseDense = architecture.layers[$0] { true } else { false } }
    }

    /// Existing connections: nonzero weights of dense weight tensors, stored connections of
    /// sparse layers (`Layer.nonzeroConnections`).
    public var connections: Int { layers.reduce(0) { $0 + $1.nonzeroConnections } }

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
        var w = takeWorkspace(batch: batch, gradients: true)
        defer { workspaces[batch] = w }
        fill(&w.activations[0], &w.labels)
        Self.forward(&layers, architecture: architecture, &w, training: true, generator: &generator)
        let last = layers.count
        var gradient: Matrix<Float>? = w.gradients[last]
        w.gradients[last] = Matrix(rows: 0, columns: 0)
        let result = SoftmaxCrossEntropy.evaluate(logits: w.activations[last], labels: w.labels, gradient: &gradient)
        w.gradients[last] = gradient!
        let lowest = frozenLayers.isEmpty ? 0 : lowestTrainableLayer(frozen: frozenLayers)
        Self.backward(&layers, architecture: architecture, readers: readers, &w, through: lowest)
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
        var layer = self.layer(at: position, as: L.self)
        let sizes = architecture.sizes
        let inputSize = sizes[architecture.inputs[position][0]]
        layers[position] = Identity()  // drop the array's reference so that `layer` mutates in place
        defer {
            precondition(layer.outputSize(inputSize: inputSize) == sizes[position + 1], "layer \(position) changed its size")
            layers[position] = layer
        }
        return try body(&layer)
    }

    /// Every BatchNorm node normalises with its running statistics in training too and keeps
    /// them (frozen BatchNorm, for fine-tuning); γ and β still train.
    public mutating func freezeBatchNormStatistics() {
        freezeBatchNormStatistics(at: Set(layers.indices))
    }

    /// The same for the BatchNorm nodes among `positions` (a frozen backbone keeps its running
    /// statistics as well as its parameters).
    public mutating func freezeBatchNormStatistics(at positions: Set<Int>) {
        for (i, spec) in architecture.layers.enumerated() where positions.contains(i) {
            if case .batchNorm = spec { modifyLayer(at: i, as: BatchNorm.self) { $0.frozenStatistics = true } }
        }
    }

    /// Samples per evaluation batch: 1000, or fewer when the activations of 1000 samples would
    /// exceed 2³⁰ floats (4 GiB; a VGG-16 on CIFAR-10 evaluates 429 at a time). Every sample's
    /// logits are computed alone, but BLAS may sum in another order for another batch, so the
    /// last bits of the loss can differ from a batch of 1000; every chain of the shipped studies
    /// and the README's CNN keep 1000.
    var evaluationBatch: Int {
        max(1, min(1000, (1 << 30) / max(1, architecture.sizes.reduce(0, +))))
    }

    /// Mean loss and accuracy on `data`, in evaluation mode (no dropout, BatchNorm's running
    /// statistics), `batch` rows at a time (default `evaluationBatch`).
    public mutating func evaluate(_ data: LabeledData, batch: Int? = nil) -> (loss: Double, accuracy: Double) {
        let batch = batch ?? evaluationBatch
        var generator = SplitMix64(seed: 0)  // unused in evaluation mode
        var lossSum = 0.0, correct = 0
        var start = 0
        let existing = Set(workspaces.keys)
        while start < data.count {
            let rows = min(batch, data.count - start)
            var w = takeWorkspace(batch: rows, gradients: false)
            data.gather(start..<(start + rows), into: &w.activations[0], labels: &w.labels)
            Self.forward(&layers, architecture: architecture, &w, training: false, generator: &generator)
            var none: Matrix<Float>? = nil
            let r = SoftmaxCrossEntropy.evaluate(logits: w.activations[layers.count], labels: w.labels, gradient: &none)
            lossSum += r.loss * Double(rows)
            correct += r.correct
            workspaces[rows] = w
            start += rows
        }
        // Keep the training batch sizes' buffers, not the (larger) evaluation ones.
        for key in Array(workspaces.keys) where !existing.contains(key) { workspaces[key] = nil }
        return data.count == 0 ? (0, 0) : (lossSum / Double(data.count), Double(correct) / Double(data.count))
    }

    private mutating func takeWorkspace(batch: Int, gradients: Bool) -> Workspace {
        if var w = workspaces.removeValue(forKey: batch) {
            if gradients && !w.hasGradients { w.allocateGradients(network: self) }
            return w
        }
        let plan = plansExecution ? Self.executionPlan(&layers, architecture: architecture, batch: batch) : nil
        return Workspace(batch: batch, network: self, gradients: gradients, plan: plan)
    }
}
