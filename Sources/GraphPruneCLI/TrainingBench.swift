import Foundation
import GraphPruneExperiments
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// The training workloads of `graphprune bench --workload training` (issue 4's targets):
/// seconds per FashionMNIST epoch for the CenSET MLP dense and at ε = 20, and for a small CNN;
/// seconds per 50 000 samples for the CIFAR-shaped SET network 3072-4000-1000-4000-10 at
/// ε = 20 on synthetic data; and one layer's training step (forward + backward, batch 100) dense
/// against truly sparse over a range of densities, which is where the sparse kernels' cross-over
/// with `sgemm` shows. Epochs are timed by the trainer after data loading; each figure is the
/// median of `repetitions` epochs (or steps) of one run, so the ratios compare like with like.
struct TrainingBench {
    let seed: UInt64
    let repetitions: Int
    let includeCNN: Bool

    func run() throws {
        print("# graphprune bench training: OpenBLAS and oneDNN threads \(BLASThreads.count) (\(BLASCore.name) kernels), cores \(ProcessInfo.processInfo.activeProcessorCount), seed \(seed), batch 100, SGD 0.01 momentum 0.9, median of \(repetitions) epochs")
        print("workload                                              seconds   note (per epoch unless \"per step\")")
        var fashion = try FashionMNIST.load()
        standardize(&fashion)
        // The dense and the sparse MLP alternate epoch by epoch, so that a noisy neighbour slows both.
        let mlp = try epochSeconds([("784-256-128-100-10", nil), ("784-256-128-100-10", 20)], data: fashion, epochs: repetitions)
        let (dense, sparse) = (mlp[0], mlp[1])
        row("MLP 784-256-128-100-10 dense (FashionMNIST)", dense, "target ≤ 0.5 × Keras on the same machine")
        row("MLP 784-256-128-100-10 ε = 20 (FashionMNIST)", sparse, String(format: "%.2f× the dense speed (epochs alternated)", dense / sparse))
        if includeCNN {
            let cnn = try epochSeconds([("c32-c32-p-c64-c64-p-128-10", nil)], data: fashion, epochs: 1)[0]
            row("CNN c32-c32-p-c64-c64-p-128-10 (FashionMNIST)", cnn, "one epoch (oneDNN convolutions)")
        }
        // The CNN's four convolutions, one training step each (batch 100), oneDNN against im2col.
        for (channels, filters, side) in [(1, 32, 28), (32, 32, 28), (32, 64, 14), (64, 64, 14)] {
            convolutionRows(ImageShape(channels: channels, height: side, width: side), filters: filters)
        }
        for (inputs, outputs) in [(784, 256), (256, 128), (128, 100), (3072, 4000)] {
            var generator = SplitMix64(seed: seed)
            let denseStep = layerMilliseconds(Dense(inputs: inputs, outputs: outputs, initializer: .glorotUniform, generator: &generator), inputs: inputs)
            row("layer \(inputs)×\(outputs) fwd+bwd, batch 100: dense", denseStep / 1000, String(format: "per step (%.3f ms)", denseStep))
            let densities = inputs == 784 ? [0.01, 0.02, 0.05, 0.1, 0.2, 0.4] : [Double]()
            for density in densities {
                let layer = SparseDense(
                    inputs: inputs, outputs: outputs, epsilon: density * Double(inputs * outputs) / Double(inputs + outputs),
                    generator: &generator)
                sparseRow(layer, denseStep: denseStep)
            }
            sparseRow(SparseDense(inputs: inputs, outputs: outputs, epsilon: 20, generator: &generator), denseStep: denseStep, label: "ε = 20")
        }
        var cifarShaped = SyntheticClassification.make(classes: 10, features: 3072, trainCount: 50_000, testCount: 1_000, seed: seed)
        standardize(&cifarShaped)
        let set = try epochSeconds([("3072-4000-1000-4000-10", 20)], data: cifarShaped, epochs: min(repetitions, 3))[0]
        row("SET 3072-4000-1000-4000-10 ε = 20 (50 000 synthetic)", set, "target ≤ 10 s")
    }

    /// Two rows for a 3 × 3 `same` convolution of `filters` filters on `input`: a training step
    /// (forward, ∂L/∂W, ∂L/∂b and ∂L/∂X; batch 100) by oneDNN and by im2col, steps alternating,
    /// with GFLOP/s counted as `3 · 2 · B · F · C · 9 · H · W` (three products of the forward's size).
    private func convolutionRows(_ input: ImageShape, filters: Int) {
        var generator = SplitMix64(seed: seed)
        let base = Conv2D(input: input, filters: filters, kernel: 3, padding: .same, initializer: .glorotUniform, generator: &generator)
        var layers = ConvolutionBackend.allCases.map { backend in
            var layer = base
            layer.backend = backend
            return layer
        }
        let flops = 3 * 2 * 100 * Double(filters * input.channels * 9 * input.height * input.width)
        let steps = layerMilliseconds(&layers, inputs: input.size)
        for index in layers.indices {
            let name = "conv \(input.channels)→\(filters) \(input.height)×\(input.width) fwd+bwd, batch 100: \(layers[index].backend.rawValue)"
            row(name, steps[index] / 1000, String(format: "per step (%.2f ms, %.1f GFLOP/s); ", steps[index], flops / steps[index] / 1e6)
                + layers[index].implementation(batch: 100)
                + (index == 0 ? "" : String(format: ", %.2f× oneDNN's time", steps[index] / steps[0])))
        }
    }

    /// One row of the density sweep: the sparse step's time and its speed-up over the dense step.
    private func sparseRow(_ layer: SparseDense, denseStep: Double, label: String? = nil) {
        let step = layerMilliseconds(layer, inputs: layer.inputs)
        let density = 100 * Double(layer.connectionCount) / Double(layer.inputs * layer.outputs)
        row("layer \(layer.inputs)×\(layer.outputs) fwd+bwd, batch 100: " + (label ?? String(format: "%.0f %%", density)), step / 1000,
            String(format: "per step (%.3f ms); %d connections (%.1f %%), ", step, layer.connectionCount, density)
                + (layer.runsDense ? "masked dense" : "CSR") + String(format: ", %.2f× the dense speed", denseStep / step))
    }

    /// Median seconds of `epochs` training epochs of each model (`spec`, dense or at sparse ε;
    /// dropout 0.3), the models taking turns epoch by epoch (data loading excluded, test
    /// evaluation included).
    private func epochSeconds(_ models: [(spec: String, sparse: Double?)], data: DataSplit, epochs: Int) throws -> [Double] {
        let s = data.train.shape
        var settings = TrainingSettings(epochs: epochs)
        settings.seed = seed
        var networks = try models.map { model in
            let architecture = try Architecture.parse(
                model.spec, inputShape: [s.channels, s.height, s.width], dropout: 0.3, sparseEpsilon: model.sparse)
            return Network(architecture: architecture, initializer: .glorotUniform, seed: seed)
        }
        var sessions = try networks.map { try TrainingSession(for: $0, data: data, settings: settings) }
        var seconds = [[Double]](repeating: [], count: models.count)
        for _ in 0..<epochs {
            for m in models.indices { seconds[m].append(try sessions[m].runEpoch(&networks[m]).seconds) }
        }
        return seconds.map(BenchClock.median)
    }

    /// Median milliseconds of one forward + backward of a batch of 100 (input gradient included)
    /// through `layer` of `inputs` inputs, over 15 steps after one warm-up.
    private func layerMilliseconds(_ layer: some Layer, inputs: Int) -> Double {
        var layers = [layer]
        return layerMilliseconds(&layers, inputs: inputs)[0]
    }

    /// The same for several layers of one input and output size, their steps taking turns (so a
    /// noisy neighbour slows all alike): the median milliseconds of each over 15 rounds.
    private func layerMilliseconds<L: Layer>(_ layers: inout [L], inputs: Int) -> [Double] {
        var generator = SplitMix64(seed: seed)
        let outputs = layers[0].outputSize(inputSize: inputs)
        let x = Matrix(rows: 100, columns: inputs, elements: (0..<(100 * inputs)).map { _ in Float(generator.nextUnitDouble()) })
        let g = Matrix(rows: 100, columns: outputs, elements: (0..<(100 * outputs)).map { _ in Float(generator.nextUnitDouble()) })
        var y = Matrix<Float>(rows: 100, columns: outputs), dx = Matrix<Float>(rows: 100, columns: inputs)
        func step(_ index: Int) -> Double {
            BenchClock.seconds {
                layers[index].forward(x, into: &y, training: true, generator: &generator)
                layers[index].backward(input: x, output: y, outputGradient: g, inputGradient: &dx)
            }
        }
        for index in layers.indices { _ = step(index) }  // warm-up: buffers, primitives
        var seconds = [[Double]](repeating: [], count: layers.count)
        for _ in 0..<15 {
            for index in layers.indices { seconds[index].append(step(index)) }
        }
        return seconds.map { 1000 * BenchClock.median($0) }
    }

    private func standardize(_ split: inout DataSplit) {
        let standardization = Standardization(fitting: split.train)
        standardization.apply(to: &split.train)
        standardization.apply(to: &split.test)
    }

    private func row(_ name: String, _ t: Double, _ note: String) { BenchClock.row(name, width: 52, t, note) }
}
