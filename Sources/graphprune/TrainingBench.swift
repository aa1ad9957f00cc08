import Foundation
import GraphPrune

/// The training workloads of `graphprune bench --workload training` (issue 4's targets):
/// seconds per FashionMNIST epoch for the CenSET MLP dense and at ε = 20, and for a small CNN,
/// and seconds per 50 000 samples for the CIFAR-shaped SET network 3072-4000-1000-4000-10 at
/// ε = 20 on synthetic data. One epoch each, after data loading, timed by the trainer.
struct TrainingBench {
    let seed: UInt64

    func run() throws {
        print("# graphprune bench training: OpenBLAS threads \(BLASThreads.count), cores \(ProcessInfo.processInfo.activeProcessorCount), seed \(seed), batch 100, SGD 0.01 momentum 0.9")
        print("workload                                              seconds   note (epochs unless \"per step\")")
        var fashion = try FashionMNIST.load()
        standardize(&fashion)
        let dense = try epochSeconds("784-256-128-100-10", data: fashion, dropout: 0.3, sparse: nil)
        row("MLP 784-256-128-100-10 dense (FashionMNIST)", dense, "target ≤ 0.5 × Keras on the same machine")
        let sparse = try epochSeconds("784-256-128-100-10", data: fashion, dropout: 0.3, sparse: 20)
        row("MLP 784-256-128-100-10 ε = 20 (FashionMNIST)", sparse, String(format: "speed-up over dense %.2f× (target ≥ 3×)", dense / sparse))
        let cnn = try epochSeconds("c32-c32-p-c64-c64-p-128-10", data: fashion, dropout: 0.3, sparse: nil)
        row("CNN c32-c32-p-c64-c64-p-128-10 (FashionMNIST)", cnn, "")
        for (inputs, outputs) in [(784, 256), (3072, 4000)] {
            let (dense, sparse, connections) = layerMilliseconds(inputs: inputs, outputs: outputs, epsilon: 20)
            row("layer \(inputs)×\(outputs) fwd+bwd, batch 100: dense", dense / 1000, "per step")
            row("layer \(inputs)×\(outputs) fwd+bwd, batch 100: ε = 20", sparse / 1000,
                String(format: "per step; %d connections (%.1f %%), %.1f× faster than dense", connections,
                       100 * Double(connections) / Double(inputs * outputs), dense / sparse))
        }
        var cifarShaped = SyntheticClassification.make(classes: 10, features: 3072, trainCount: 50_000, testCount: 1_000, seed: seed)
        standardize(&cifarShaped)
        let set = try epochSeconds("3072-4000-1000-4000-10", data: cifarShaped, dropout: 0.3, sparse: 20)
        row("SET 3072-4000-1000-4000-10 ε = 20 (50 000 synthetic)", set, "target ≤ 10 s")
    }

    private func epochSeconds(_ spec: String, data: DataSplit, dropout: Double, sparse: Double?) throws -> Double {
        let s = data.train.shape
        let architecture = try Architecture.parse(
            spec, inputShape: [s.channels, s.height, s.width], dropout: dropout, sparseEpsilon: sparse)
        var model = Sequential(architecture: architecture, initializer: .glorotUniform, seed: seed)
        var settings = TrainingSettings(epochs: 1)
        settings.seed = seed
        return Trainer.fit(&model, data: data, settings: settings).last!.seconds
    }

    /// Median milliseconds of one forward + backward of a batch of 100 through a dense layer and
    /// through an Erdős–Rényi sparse layer of the same shape (input gradient included).
    private func layerMilliseconds(inputs: Int, outputs: Int, epsilon: Double) -> (Double, Double, Int) {
        var generator = SplitMix64(seed: seed)
        var dense = Dense(inputs: inputs, outputs: outputs, initializer: .glorotUniform, generator: &generator)
        var sparse = SparseDense(inputs: inputs, outputs: outputs, epsilon: epsilon, generator: &generator)
        let x = Matrix(rows: 100, columns: inputs, elements: (0..<(100 * inputs)).map { _ in Float(generator.nextUnitDouble()) })
        let g = Matrix(rows: 100, columns: outputs, elements: (0..<(100 * outputs)).map { _ in Float(generator.nextUnitDouble()) })
        var y = Matrix<Float>(rows: 100, columns: outputs), dx = Matrix<Float>(rows: 100, columns: inputs)
        func median(_ step: () -> Void) -> Double {
            step()  // warm-up: buffers
            return 1000 * BenchClock.median(repetitions: 15, step)
        }
        let d = median {
            dense.forward(x, into: &y, training: true, generator: &generator)
            dense.backward(input: x, output: y, outputGradient: g, inputGradient: &dx)
        }
        let s = median {
            sparse.forward(x, into: &y, training: true, generator: &generator)
            sparse.backward(input: x, output: y, outputGradient: g, inputGradient: &dx)
        }
        return (d, s, sparse.connectionCount)
    }

    private func standardize(_ split: inout DataSplit) {
        let standardization = Standardization(fitting: split.train)
        standardization.apply(to: &split.train)
        standardization.apply(to: &split.test)
    }

    private func row(_ name: String, _ t: Double, _ note: String) { BenchClock.row(name, width: 52, t, note) }
}
