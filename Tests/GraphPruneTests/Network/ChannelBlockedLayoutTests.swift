import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// Channel-blocked activations (`ActivationLayout.channelBlocked16`) and ReLUs fused into
/// convolutions: each layer that computes in them gives, after converting back, the bits of its
/// plain computation, and a network's execution plan changes no bit of training, evaluation or
/// inference.
final class ChannelBlockedLayoutTests: XCTestCase {
    private typealias S = NetworkTestSupport

    /// `m`'s rows (samples of `shape`) moved from layout `from` to layout `to`, entry by entry
    /// through `ActivationLayout.offset`.
    private func relaid(_ m: Matrix<Float>, _ shape: ImageShape, from: ActivationLayout, to: ActivationLayout) -> Matrix<Float> {
        var out = Matrix<Float>(rows: m.rows, columns: m.columns, repeating: .nan)
        let (c, h, w) = (shape.channels, shape.height, shape.width)
        for b in 0..<m.rows {
            for k in 0..<c { for i in 0..<h { for j in 0..<w {
                let source = from.offset(channel: k, row: i, column: j, channels: c, height: h, width: w)
                let target = to.offset(channel: k, row: i, column: j, channels: c, height: h, width: w)
                out[b, target] = m[b, source]
            } } }
        }
        return out
    }

    private func bits(_ m: Matrix<Float>) -> [UInt32] { m.elements.map(\.bitPattern) }
    private func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    func testBlockedOffsetsEnumerateTheSampleOnce() {
        let (c, h, w) = (32, 3, 5)
        var seen = Set<Int>()
        for k in 0..<c { for i in 0..<h { for j in 0..<w {
            seen.insert(ActivationLayout.channelBlocked16.offset(channel: k, row: i, column: j, channels: c, height: h, width: w))
        } } }
        XCTAssertEqual(seen, Set(0..<(c * h * w)))
        // Channel 17 of a 32-channel 3 × 5 image: block 1, lane 1.
        XCTAssertEqual(ActivationLayout.channelBlocked16.offset(channel: 17, row: 2, column: 4, channels: c, height: h, width: w),
                       ((1 * 3 + 2) * 5 + 4) * 16 + 1)
    }

    /// Maxima, winners (ties to the first, a NaN never beaten) and the routed gradient, for the
    /// halving window and for overlapping padded ones.
    func testMaxPoolingChannelBlockedGivesThePlainBits() {
        let shape = ImageShape(channels: 32, height: 7, width: 6)
        var g = SplitMix64(seed: 5)
        // Few distinct values: many ties inside windows.
        var x = Matrix<Float>(rows: 3, columns: shape.size, elements: (0..<(3 * shape.size)).map { _ in Float(g.next() % 4) - 1.5 })
        x[1, 40] = .nan
        for window in [PoolingWindow(size: 2), PoolingWindow(kernel: 3, stride: 2, padding: 1), PoolingWindow(kernel: 2, stride: 1)] {
            var plain = MaxPool2D(input: shape, window: window), blocked = plain
            XCTAssertTrue(blocked.accepts(.channelBlocked, batch: 3))
            XCTAssertFalse(blocked.accepts(LayerLayouts(input: .channelBlocked16, output: .plain), batch: 3))
            let out = plain.output
            let y = S.forward(&plain, x)
            var yb = Matrix<Float>(rows: 3, columns: out.size, repeating: .nan)
            var generator = SplitMix64(seed: 0)
            blocked.forward(relaid(x, shape, from: .plain, to: .channelBlocked16), into: &yb, layouts: .channelBlocked, training: true, generator: &generator)
            XCTAssertEqual(bits(relaid(yb, out, from: .channelBlocked16, to: .plain)), bits(y), "\(window)")
            let dy = S.matrix(3, out.size, seed: 6)
            let dx = S.backward(&plain, input: x, output: y, outputGradient: dy)
            var dxb = Matrix<Float>(rows: 3, columns: shape.size, repeating: .nan)
            blocked.backward(input: x, output: yb, outputGradient: relaid(dy, out, from: .plain, to: .channelBlocked16),
                             inputGradient: &dxb, layouts: .channelBlocked)
            XCTAssertEqual(bits(relaid(dxb, shape, from: .channelBlocked16, to: .plain)), bits(dx), "\(window)")
        }
        var uneven = MaxPool2D(input: ImageShape(channels: 24, height: 4, width: 4))
        XCTAssertFalse(uneven.accepts(.channelBlocked, batch: 1), "24 channels are not whole blocks")
    }

    /// oneDNN in each pair of layouts: output, `∂L/∂X`, `∂L/∂W`, `∂L/∂b` with the bits of the plain call.
    func testConvolutionInEveryLayoutPairGivesThePlainBits() {
        let shape = ImageShape(channels: 16, height: 9, width: 8)
        for stride in [1, 2] {
            let make = {
                Conv2D(input: shape, kernel: (3, 3), stride: (stride, stride), padding: .symmetric(1),
                       weight: S.matrix(32, 16 * 9, seed: 11, scale: 0.3), bias: S.matrix(1, 32, seed: 12).elements)
            }
            var plain = make()
            let x = S.matrix(5, shape.size, seed: 13)
            let y = S.forward(&plain, x)
            let out = ImageShape(channels: 32, height: plain.geometry.outputHeight, width: plain.geometry.outputWidth)
            let dy = S.matrix(5, y.columns, seed: 14)
            let dx = S.backward(&plain, input: x, output: y, outputGradient: dy)
            for (input, output) in [(ActivationLayout.plain, ActivationLayout.channelBlocked16), (.channelBlocked16, .plain), (.channelBlocked16, .channelBlocked16)] {
                var conv = make()
                let layouts = LayerLayouts(input: input, output: output)
                XCTAssertTrue(conv.accepts(layouts, batch: 5))
                let xl = relaid(x, shape, from: .plain, to: input)
                var yl = Matrix<Float>(rows: 5, columns: y.columns, repeating: .nan)
                var generator = SplitMix64(seed: 0)
                conv.forward(xl, into: &yl, layouts: layouts, training: true, generator: &generator)
                XCTAssertEqual(bits(relaid(yl, out, from: output, to: .plain)), bits(y), "stride \(stride), \(layouts)")
                var fused = make()
                XCTAssertTrue(fused.fusesReLU(layouts, batch: 5))
                var rectified = Matrix<Float>(rows: 5, columns: y.columns, repeating: .nan)
                fused.forwardWithReLU(xl, into: &rectified, layouts: layouts, training: true, generator: &generator)
                XCTAssertEqual(bits(relaid(rectified, out, from: output, to: .plain)), bits(y).map { Float(bitPattern: $0) > 0 ? $0 : 0 },
                               "the fused ReLU: max(0, y) with +0 for every y ≤ 0")
                var dxl = Matrix<Float>(rows: 5, columns: x.columns, repeating: .nan)
                conv.backward(input: xl, output: yl, outputGradient: relaid(dy, out, from: .plain, to: output), inputGradient: &dxl, layouts: layouts)
                XCTAssertEqual(bits(relaid(dxl, shape, from: input, to: .plain)), bits(dx), "stride \(stride), \(layouts)")
                XCTAssertEqual(bits(conv.weightGradient), bits(plain.weightGradient))
                XCTAssertEqual(bits(conv.biasGradient), bits(plain.biasGradient))
            }
        }
        var uneven = Conv2D(input: shape, kernel: (3, 3), stride: (1, 1), padding: .symmetric(1),
                            weight: S.matrix(24, 16 * 9, seed: 11), bias: nil)
        XCTAssertTrue(uneven.accepts(LayerLayouts(input: .channelBlocked16, output: .plain), batch: 2))
        XCTAssertFalse(uneven.accepts(LayerLayouts(input: .plain, output: .channelBlocked16), batch: 2), "24 filters are not whole blocks")
        var reference = make16(backend: .im2col)
        XCTAssertFalse(reference.accepts(.channelBlocked, batch: 2), "im2col computes plain only")
    }

    private func make16(backend: ConvolutionBackend) -> Conv2D {
        var conv = Conv2D(input: ImageShape(channels: 16, height: 4, width: 4), kernel: (3, 3), stride: (1, 1), padding: .symmetric(1),
                          weight: S.matrix(16, 16 * 9, seed: 1), bias: nil)
        conv.backend = backend
        return conv
    }

    /// The CNN keeps everything between its first convolution and the last convolution's input
    /// blocked; the last convolution writes plain because max-pooling feeds the flatten.
    func testTheCNNsPlanBlocksFromTheFirstConvolutionToTheLastOnesInput() throws {
        let architecture = try Architecture.parse("c32-c32-p-c64-c64-p-20-10", inputShape: [1, 8, 8], dropout: 0.3)
        let network = Network(architecture: architecture, initializer: .glorotUniform, seed: 1)
        var layers = network.layers
        let plan = Network.layoutPlan(&layers, architecture: architecture, batch: 4)
        let blocked = plan.indices.filter { plan[$0] == .channelBlocked16 }
        XCTAssertEqual(architecture.layers.prefix(9), [.conv2d(filters: 32, kernel: 3, same: true), .relu, .conv2d(filters: 32, kernel: 3, same: true), .relu,
                                                       .maxPool(size: 2), .conv2d(filters: 64, kernel: 3, same: true), .relu,
                                                       .conv2d(filters: 64, kernel: 3, same: true), .relu])
        XCTAssertEqual(blocked, Array(1...7), "activations 1-7: conv1 … conv4's input; \(plan)")
        let execution = Network.executionPlan(&layers, architecture: architecture, batch: 4)
        XCTAssertEqual(execution.layouts, plan)
        XCTAssertEqual(execution.fusesReLU.indices.filter { execution.fusesReLU[$0] }, [0, 2, 5, 7], "each convolution computes its ReLU")
        XCTAssertEqual(Network.layoutPlan(&layers, architecture: architecture, batch: 0), [ActivationLayout](repeating: .plain, count: plan.count))
    }

    /// Inputs of a residual sum stay plain, and with them what the ReLU before a sum reads; so
    /// does a convolution's output a BatchNorm reads. The stem before the block stays blocked.
    func testResidualSumsAndBatchNormKeepTheirActivationsPlain() throws {
        var graph = GraphBuilder(inputShape: [16, 6, 6])
        let conv = { (bias: Bool) in Architecture.LayerSpec.convolution(.init(filters: 16, kernel: 3, stride: 1, padding: 1, bias: bias)) }
        let a = try graph.add("stem", conv(true), from: [0])
        let b = try graph.add("stem.relu", .relu, from: [a])
        let c = try graph.add("conv1", conv(true), from: [b])
        let d = try graph.add("relu1", .relu, from: [c])
        let e = try graph.add("conv2", conv(true), from: [d])
        let sum = try graph.add("add", .add, from: [e, d])
        let f = try graph.add("conv3", conv(false), from: [sum])
        let n = try graph.add("bn", .batchNorm(momentum: 0.1, epsilon: 1e-5), from: [f])
        let p = try graph.add("pool", .globalAveragePooling, from: [n])
        try graph.add("linear", .dense(outputs: 3), from: [p])
        let architecture = Architecture(inputShape: [16, 6, 6], layers: graph.layers, inputs: graph.inputs, names: graph.names)
        try architecture.validate()
        var layers = Network(architecture: architecture, initializer: .kaimingNormal, seed: 2).layers
        let plan = Network.layoutPlan(&layers, architecture: architecture, batch: 3)
        XCTAssertEqual(plan.indices.filter { plan[$0] == .channelBlocked16 }, [a, b], "\(plan)")
        XCTAssertEqual([c, d, e, sum, f, n].map { plan[$0] }, [ActivationLayout](repeating: .plain, count: 6))
        // The stem's and conv1's ReLUs are theirs alone; conv2's output goes to the sum, conv3's to BatchNorm.
        let execution = Network.executionPlan(&layers, architecture: architecture, batch: 3)
        XCTAssertEqual(execution.fusesReLU.indices.filter { execution.fusesReLU[$0] }, [a - 1, c - 1])
    }

    /// Training steps with dropout, an evaluation and batch inference: the planned network and the
    /// all-plain one agree bit for bit (losses, every state tensor, logits).
    func testAPlannedNetworkComputesThePlainBits() throws {
        let architecture = try Architecture.parse("c16-c16-p-c32-p-12-4", inputShape: [1, 8, 8], dropout: 0.3)
        var planned = Network(architecture: architecture, initializer: .glorotUniform, seed: 7)
        var plain = planned
        plain.plansExecution = false
        var layers = planned.layers
        let plan = Network.executionPlan(&layers, architecture: architecture, batch: 6)
        XCTAssertTrue(plan.layouts.contains(.channelBlocked16) && plan.fusesReLU.contains(true), "the test must exercise a plan")
        var g = SplitMix64(seed: 8)
        let x = S.matrix(6, 64, seed: 9), labels = (0..<6).map { _ in Int32(g.next() % 4) }
        assertSameTrainingAndInference(&planned, &plain, features: x, labels: labels)
        let data = LabeledData(features: x, labels: labels, shape: ImageShape(channels: 1, height: 8, width: 8), classCount: 4)
        let (ea, eb) = (planned.evaluate(data, batch: 4), plain.evaluate(data, batch: 4))
        XCTAssertEqual(ea.loss.bitPattern, eb.loss.bitPattern)
    }

    /// Three SGD steps on the same batch, then batch inference: the same losses, state tensors
    /// and logits for the planned network and the plain one.
    private func assertSameTrainingAndInference(_ planned: inout Network, _ plain: inout Network, features: Matrix<Float>, labels: [Int32],
                                                file: StaticString = #filePath, line: UInt = #line) {
        let batch = features.rows
        var (sgdA, sgdB) = (SGD(momentum: 0.9), SGD(momentum: 0.9))
        var (generatorA, generatorB) = (SplitMix64(seed: 10), SplitMix64(seed: 10))
        for _ in 0..<3 {
            let a = planned.trainStep(batch: batch, fill: { f, l in f.assign(features); l = labels }, optimizer: &sgdA, learningRate: 0.05, generator: &generatorA)
            let b = plain.trainStep(batch: batch, fill: { f, l in f.assign(features); l = labels }, optimizer: &sgdB, learningRate: 0.05, generator: &generatorB)
            XCTAssertEqual(a.loss.bitPattern, b.loss.bitPattern, file: file, line: line)
        }
        for (p, q) in zip(planned.layers, plain.layers) { XCTAssertEqual(p.stateTensors, q.stateTensors, file: file, line: line) }
        var inference = BatchInference(planned, batch: batch)
        var logits = Matrix<Float>(rows: batch, columns: plain.architecture.sizes.last!)
        inference.forward(features, into: &logits)
        XCTAssertEqual(bits(logits), bits(plain.outputs(features)), file: file, line: line)
    }

    /// A layer without a fused kernel computes `forwardWithReLU` as its forward and a ReLU.
    func testTheDefaultForwardWithReLURectifiesTheForward() {
        var dense = Dense(weight: S.matrix(5, 7, seed: 3), bias: S.matrix(1, 5, seed: 4).elements)
        XCTAssertFalse(dense.fusesReLU(.plain, batch: 3))
        let x = S.matrix(3, 7, seed: 5)
        let y = S.forward(&dense, x)
        var rectified = Matrix<Float>(rows: 3, columns: 5, repeating: .nan)
        var generator = SplitMix64(seed: 0)
        dense.forwardWithReLU(x, into: &rectified, layouts: .plain, training: false, generator: &generator)
        XCTAssertTrue(y.elements.contains { $0 < 0 } && y.elements.contains { $0 > 0 })
        XCTAssertEqual(rectified.elements, y.elements.map { max(0, $0) })
    }

    /// BatchNorm with batch statistics (and the running update), with running statistics, and
    /// frozen: output, `∂L/∂x`, `∂L/∂γ`, `∂L/∂β` and the running statistics, channel-blocked
    /// against plain, bit for bit. 13 positions per channel: whole runs of eight and a tail.
    func testBatchNormChannelBlockedGivesThePlainBits() {
        let shape = ImageShape(channels: 32, height: 1, width: 13)
        var g = SplitMix64(seed: 3)
        let make = { () -> BatchNorm in
            var g = SplitMix64(seed: 4)
            let values = { (offset: Double) in (0..<32).map { _ in Float(offset + g.nextUnitDouble()) } }
            return BatchNorm(channels: 32, area: 13, scale: values(0.5), shift: values(-0.5), runningMean: values(-0.5), runningVariance: values(0.5))
        }
        let x = Matrix<Float>(rows: 5, columns: shape.size, elements: (0..<(5 * shape.size)).map { _ in Float(g.nextUnitDouble() * 4 - 1) })
        let dy = S.matrix(5, shape.size, seed: 6)
        for (training, frozen) in [(true, false), (false, false), (true, true)] {
            var (plain, blocked) = (make(), make())
            plain.frozenStatistics = frozen
            blocked.frozenStatistics = frozen
            XCTAssertTrue(blocked.accepts(.channelBlocked, batch: 5))
            var generator = SplitMix64(seed: 0)
            let y = S.forward(&plain, x, training: training)
            let dx = S.backward(&plain, input: x, output: y, outputGradient: dy)
            let xb = relaid(x, shape, from: .plain, to: .channelBlocked16)
            var yb = Matrix<Float>(rows: 5, columns: shape.size, repeating: .nan)
            blocked.forward(xb, into: &yb, layouts: .channelBlocked, training: training, generator: &generator)
            var dxb = Matrix<Float>(rows: 5, columns: shape.size, repeating: .nan)
            blocked.backward(input: xb, output: yb, outputGradient: relaid(dy, shape, from: .plain, to: .channelBlocked16),
                             inputGradient: &dxb, layouts: .channelBlocked)
            let label = "training \(training), frozen \(frozen)"
            XCTAssertEqual(bits(relaid(yb, shape, from: .channelBlocked16, to: .plain)), bits(y), label)
            XCTAssertEqual(bits(relaid(dxb, shape, from: .channelBlocked16, to: .plain)), bits(dx), label)
            XCTAssertEqual(bits(blocked.scaleGradient), bits(plain.scaleGradient), label)
            XCTAssertEqual(bits(blocked.shiftGradient), bits(plain.shiftGradient), label)
            XCTAssertEqual(bits(blocked.runningMean), bits(plain.runningMean), label)
            XCTAssertEqual(bits(blocked.runningVariance), bits(plain.runningVariance), label)
            // The fused ReLU, in both layouts: max(0, y) with +0 for every y ≤ 0.
            for layouts in [LayerLayouts.plain, .channelBlocked] {
                var fused = make()
                fused.frozenStatistics = frozen
                XCTAssertTrue(fused.fusesReLU(layouts, batch: 5))
                let input = layouts == .plain ? x : xb
                var rectified = Matrix<Float>(rows: 5, columns: shape.size, repeating: .nan)
                fused.forwardWithReLU(input, into: &rectified, layouts: layouts, training: training, generator: &generator)
                XCTAssertEqual(bits(relaid(rectified, shape, from: layouts.output, to: .plain)), bits(y).map { Float(bitPattern: $0) > 0 ? $0 : 0 }, label)
            }
        }
        var uneven = BatchNorm(channels: 24, area: 4)
        XCTAssertFalse(uneven.accepts(.channelBlocked, batch: 2), "24 channels are not whole blocks")
    }

    /// A residual block as ResNet builds it, with a projection shortcut: the stem, the block's
    /// input (read by two convolutions) and the block's first convolution, BatchNorm and ReLU stay
    /// blocked; what the sum reads stays plain. Training and inference of the planned network give
    /// the plain bits.
    func testAResidualNetworkWithBatchNormComputesThePlainBits() throws {
        var graph = GraphBuilder(inputShape: [1, 6, 6])
        var x = try graph.convolutionBatchNorm("conv1", "bn1", filters: 16, kernel: 3, stride: 1, from: 0)
        x = try graph.add("relu", .relu, from: [x])
        var y = try graph.convolutionBatchNorm("layer1.0.conv1", "layer1.0.bn1", filters: 32, kernel: 3, stride: 2, from: x)
        let inner = try graph.add("layer1.0.relu1", .relu, from: [y])
        y = try graph.convolutionBatchNorm("layer1.0.conv2", "layer1.0.bn2", filters: 32, kernel: 3, stride: 1, from: inner)
        let shortcut = try graph.convolutionBatchNorm("layer1.0.shortcut.0", "layer1.0.shortcut.1", filters: 32, kernel: 1, stride: 2, from: x)
        x = try graph.add("layer1.0.relu2", .relu, from: [try graph.add("layer1.0.add", .add, from: [y, shortcut])])
        x = try graph.add("avgpool", .globalAveragePooling, from: [x])
        try graph.add("linear", .dense(outputs: 3), from: [x])
        let architecture = Architecture(inputShape: [1, 6, 6], layers: graph.layers, inputs: graph.inputs, names: graph.names)
        try architecture.validate()
        var planned = Network(architecture: architecture, initializer: .kaimingNormal, seed: 11)
        var plain = planned
        plain.plansExecution = false
        var layers = planned.layers
        let plan = Network.executionPlan(&layers, architecture: architecture, batch: 8)
        XCTAssertEqual(plan.layouts.indices.filter { plan.layouts[$0] == .channelBlocked16 }, Array(1...inner), "\(plan.layouts)")
        XCTAssertEqual(inner, 6)
        XCTAssertEqual(plan.fusesReLU.indices.filter { plan.fusesReLU[$0] }, [1, inner - 2], "the BatchNorms before a ReLU of their own")
        var g = SplitMix64(seed: 12)
        let features = S.matrix(8, 36, seed: 13), labels = (0..<8).map { _ in Int32(g.next() % 3) }
        assertSameTrainingAndInference(&planned, &plain, features: features, labels: labels)
    }
}

/// Evaluation workspaces recycle activation buffers: the same logits as a workspace that keeps
/// every activation, batch after batch on stale buffers, with a few buffers live.
final class RecyclingWorkspaceTests: XCTestCase {
    private typealias S = NetworkTestSupport

    func testRecyclingGivesTheKeptActivationsLogitsOnStaleBuffers() throws {
        let residual = try NetworkGraphTests.residualArchitecture()
        let chain = try Architecture.parse("c16-c16-p-c32-p-12-4", inputShape: [1, 8, 8], dropout: 0.3)
        for architecture in [residual, chain] {
            let network = Network(architecture: architecture, initializer: .kaimingNormal, seed: 21)
            let inputs = architecture.sizes[0], classes = architecture.sizes.last!
            var inference = BatchInference(network, batch: 5)
            for seed in [22, 23, 24] as [UInt64] {
                let features = S.matrix(5, inputs, seed: seed)
                var g = SplitMix64(seed: seed)
                let labels = (0..<5).map { _ in Int32(g.next() % UInt64(classes)) }
                var logits = Matrix<Float>(rows: 5, columns: classes)
                inference.forward(features, into: &logits)
                let kept = network.activationGradients(features: features, labels: labels).activations.last!
                XCTAssertEqual(logits.elements.map(\.bitPattern), kept.elements.map(\.bitPattern), "\(architecture.summary), seed \(seed)")
            }
            var w = Network.Workspace(batch: 5, network: network, gradients: false)
            var layers = network.layers, generator = SplitMix64(seed: 0)
            w.activations[0] = S.matrix(5, inputs, seed: 25)
            Network.forward(&layers, architecture: architecture, &w, training: false, generator: &generator)
            XCTAssertEqual(w.activations.indices.filter { w.activations[$0].columns > 0 }, [0, architecture.layers.count],
                           "only the batch and the logits stay")
        }
    }
}
