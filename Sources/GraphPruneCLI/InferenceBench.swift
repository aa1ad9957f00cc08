import Foundation
import GraphPruneGraphs
import GraphPruneInterchange
import GraphPruneNetwork
import GraphPruneNumerics
import GraphPrunePruning

/// `graphprune bench --workload inference`: what neuron and edge pruning buy at inference, in
/// milliseconds. For a model (`--model`, or the CenSET MLP and the small CNN freshly initialised
/// from `--seed`: speed does not depend on the values) and each density `q`, three models of the
/// same parameter budget:
/// - **edge**: every Dense and convolution layer pruned by weight magnitude to density `q`
///   (layerwise `greedy`). A pruned Dense layer runs as CSR below
///   `SparseDense.denseExecutionDensity` (15 %) and as a masked dense `sgemm` above; a pruned
///   convolution keeps its dense kernel with zeros (no speed-up, as masks in
///   `torch.nn.utils.prune`).
/// - **neuron**: the hidden Dense layers' neurons and the convolutions' filters of lowest L2
///   norm removed at the one ratio
///   whose rebuilt, smaller dense model has the parameter count closest to the edge model's
///   (`NeuronPruning.matchParameterBudget`).
/// - the **dense** model they both come from.
///
/// Each model answers batches through `BatchInference` (no allocation per call): the latency of
/// one sample (batch 1) and the throughput at batch 100, the models taking turns within every
/// round, medians over the rounds.
struct InferenceBench {
    let modelPath: String?
    let seed: UInt64
    let repetitions: Int
    let densities: [Double]

    func run() throws {
        let tables = try models().map { name, model in try variants(name, model) }
        print("# graphprune bench inference: OpenBLAS and oneDNN threads \(BLASThreads.count) (\(BLASCore.name) kernels), cores \(ProcessInfo.processInfo.activeProcessorCount), seed \(seed), median of \(rounds) rounds")
        print("# edge: layerwise magnitude to density q (Dense: CSR below 15 %, masked sgemm above; convolutions masked); neuron: hidden units by L2 norm, same parameter count")
        print("model                                         parameters   batch 1 ms   ×dense   batch 100 samples/s   ×dense")
        for variants in tables { report(variants) }
    }

    private var rounds: Int { max(5, repetitions) }

    private func models() throws -> [(String, Network)] {
        if let modelPath {
            let model = try ModelFile.load(URL(fileURLWithPath: modelPath)).model
            return [((modelPath as NSString).lastPathComponent, model)]
        }
        return try ["784-256-128-100-10", "c32-c32-p-c64-c64-p-128-10"].map { spec in
            let architecture = try Architecture.parse(spec, inputShape: [1, 28, 28], dropout: 0.3)
            return (spec, Network(architecture: architecture, initializer: .glorotUniform, seed: seed))
        }
    }

    /// The dense model, then for each density its edge-pruned and its neuron-pruned version.
    private func variants(_ name: String, _ dense: Network) throws -> [(String, Network)] {
        // Every layer whose units can go: the hidden Dense layers and the convolutions' filters.
        // (`conv` is an error on a model without convolutions, `hidden` one without hidden Dense layers.)
        let hidden = (["hidden", "conv"].flatMap { (try? LayerSelection.positions($0, in: dense)) ?? [] }).sorted()
        guard !hidden.isEmpty else { throw OptionError("--model", "\(name) has no hidden layer or convolution to prune neurons of") }
        var variants = [("\(name) dense", dense)]
        for q in densities {
            let edge = try EdgePruning(method: .greedy, density: q, rewind: false, seed: seed).prune(dense)
            let match = try NeuronPruning.matchParameterBudget(
                dense, layers: hidden, targetParameters: edge.parameterCount, scorer: MagnitudeScorer())
            let neuron = try NeuronPruning(scorer: MagnitudeScorer(), pruneRatio: match.pruneRatio).prune(dense, layers: hidden)
            variants.append((String(format: "  edge q = %g", q), edge.model))
            variants.append((String(format: "  neuron ratio %.3f", match.pruneRatio), neuron.model))
        }
        return variants
    }

    /// Times the variants (the first the dense model) and prints a row each.
    private func report(_ variants: [(String, Network)]) {
        let timings = measure(variants.map(\.1))
        for (index, (label, model)) in variants.enumerated() {
            let (latency, throughput) = timings[index]
            print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(
                format: " %11d %12.3f %8.2f %21.0f %8.2f", ModelCost(model).parameters,
                latency, latency / timings[0].latency, throughput, throughput / timings[0].throughput))
        }
    }

    /// Per model: median milliseconds of one sample, median samples per second at batch 100.
    private func measure(_ models: [Network]) -> [(latency: Double, throughput: Double)] {
        let inputs = models[0].architecture.sizes[0]
        let single = Matrix<Float>.gaussian(rows: 1, columns: inputs, seed: seed)
        let hundred = Matrix<Float>.gaussian(rows: 100, columns: inputs, seed: seed &+ 1)
        var one = models.map { BatchInference($0, batch: 1) }
        var many = models.map { BatchInference($0, batch: 100) }
        var logitsOne = Matrix<Float>(rows: 1, columns: one[0].classes)
        var logitsMany = Matrix<Float>(rows: 100, columns: many[0].classes)
        let calls = 20
        for m in models.indices {  // warm-up: primitives, caches
            one[m].forward(single, into: &logitsOne)
            many[m].forward(hundred, into: &logitsMany)
        }
        var latency = [[Double]](repeating: [], count: models.count), throughput = latency
        for _ in 0..<rounds {
            for m in models.indices {
                let seconds = BenchClock.seconds { for _ in 0..<calls { one[m].forward(single, into: &logitsOne) } }
                latency[m].append(1000 * seconds / Double(calls))
                throughput[m].append(100 / BenchClock.seconds { many[m].forward(hundred, into: &logitsMany) })
            }
        }
        return models.indices.map { (BenchClock.median(latency[$0]), BenchClock.median(throughput[$0])) }
    }
}
