import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneNumerics

/// `graphprune bench`: the scoring benchmark (release build). Times, on one synthetic
/// `size × size` float32 layer, a raw `ssyrk` of the same size (`Matrix.gram(into:)`), the similarity-graph
/// build, and each centrality on the built graph; prints medians and the ratios the targets are
/// stated in (build ≤ 1.2 × syrk; each centrality ≤ 10 % of the build).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the similarity build and the centralities on a synthetic layer.",
        discussion: """
            The layer has a shared direction plus noise: neuron i is s_i·u + g_i with s_i uniform \
            in [0, 2) and g_i Gaussian, so cosine similarities spread over [0, 0.8): a dense core \
            of hub neurons and a periphery of isolated ones, denser the lower τ. Each τ is one row: \
            edges, components, Lanczos products, the raw syrk and the build (alternated), and each \
            centrality on the built graph. Run it from a release build \
            (`swift build -c release --static-swift-stdlib --product graphprune`, then `.build/release/graphprune bench`).
            """)

    enum Workload: String, ExpressibleByArgument, CaseIterable { case scoring, sparsification, training, inference }

    @Option(help: "scoring (similarity build and centralities) | sparsification (effective resistances and spectral pruning; a few minutes) | training (seconds per epoch of the MLP dense and sparse, a CNN, and the CIFAR-shaped SET network; a few minutes) | inference (latency at batch 1 and throughput at batch 100 of a dense model, its edge-pruned and its neuron-pruned versions at equal parameter counts).")
    var workload: Workload = .scoring

    @Option(help: "Neurons and inputs of the square layer.")
    var size = 4096

    @Option(help: "Similarity thresholds τ to run, comma-separated (each gives a graph of another density).")
    var tau = "0.3,0.5,0.7"

    @Option(help: "Timed repetitions of each step, or epochs of each training workload (the median is reported).")
    var repetitions = 3

    @Option(help: "OpenBLAS threads (default: what OpenBLAS chose, usually all cores).")
    var threads: Int?

    @Option(help: "Seed of the synthetic layer.")
    var seed: UInt64 = 1

    @Flag(help: "training: leave out the CNN epoch (about two minutes on 2 cores).")
    var skipCNN = false

    @Option(help: "inference: the model to time (safetensors or ONNX; default: the CenSET MLP and the small CNN, freshly initialised).")
    var model: String?

    @Option(help: "inference: densities q of the edge-pruned models, comma-separated, each in (0, 1].")
    var densities = "0.5,0.2,0.1,0.05,0.01"

    func run() throws {
        guard size >= 2 else { throw OptionError("--size", "\(size) must be at least 2") }
        // The layer, its Gram matrix, the similarity matrix and the graphs built from it: about
        // six size × size matrices of doubles.
        do { try MemoryBudget.require([size, size], bytesEach: 6 * 8, for: "a \(size) × \(size) layer and its similarity graphs") } catch {
            throw OptionError("--size", "\(error)")
        }
        guard repetitions >= 1 else { throw OptionError("--repetitions", "\(repetitions) must be at least 1") }
        let taus = try tau.split(separator: ",").map { text -> Double in
            guard let t = Double(text.trimmingCharacters(in: .whitespaces)), t >= -1, t < 1 else {
                throw OptionError("--tau", "'\(text)' is not a number in [-1, 1)")
            }
            return t
        }
        guard !taus.isEmpty else { throw OptionError("--tau", "no threshold given") }
        if let threads {
            guard threads >= 1 else { throw OptionError("--threads", "\(threads) must be at least 1") }
            BLASThreads.set(threads)
        }
        if workload == .sparsification {
            #if DEBUG
            report("bench: this is a debug build; measure with `swift build -c release --static-swift-stdlib --product graphprune`, then `.build/release/graphprune bench`")
            #endif
            return try SparsificationBench(seed: seed).run()
        }
        if workload == .training { return try TrainingBench(seed: seed, repetitions: repetitions, includeCNN: !skipCNN).run() }
        if workload == .inference {
            let qs = try densities.split(separator: ",").map { text -> Double in
                guard let q = Double(text.trimmingCharacters(in: .whitespaces)), q > 0, q <= 1 else {
                    throw OptionError("--densities", "'\(text)' is not a density in (0, 1]")
                }
                return q
            }
            guard !qs.isEmpty else { throw OptionError("--densities", "no density given") }
            if let model, !FileManager.default.isReadableFile(atPath: model) { throw OptionError("--model", "\(model): no such readable file") }
            return try InferenceBench(modelPath: model, seed: seed, repetitions: repetitions, densities: qs).run()
        }
        let layer = syntheticLayer()
        #if DEBUG
        report("bench: this is a debug build; measure with `swift build -c release --static-swift-stdlib --product graphprune`, then `.build/release/graphprune bench`")
        #endif
        print("# graphprune bench: \(size) × \(size) float32 layer (seed \(seed)), OpenBLAS threads \(BLASThreads.count) (\(BLASCore.name) kernels), cores \(ProcessInfo.processInfo.activeProcessorCount), median of \(repetitions)")
        print("# targets: build ≤ 1.20 × syrk; each centrality ≤ 10 % of the build")
        print("    τ       edges  density  comps  products    syrk s   build s  build/syrk  eigvec s  eigvec %  laplace s  laplace %  degree s")
        for t in taus { try runThreshold(t, layer: layer) }
    }

    private func runThreshold(_ tau: Double, layer: Matrix<Float>) throws {
        // The syrk reference and the build alternate, so that a noisy neighbour slows both.
        let n = size
        var gram = Matrix<Float>(rows: n, columns: n)  // the raw syrk's output, reused
        var graph = WeightedGraph(adjacency: CSRMatrix(rows: 0, columns: 0, rowStarts: [0], columnIndices: [], values: []))
        var syrkTimes = [Double](), buildTimes = [Double]()
        for _ in 0..<repetitions {
            syrkTimes.append(BenchClock.seconds { layer.gram(into: &gram, symmetrized: false) })
            buildTimes.append(BenchClock.seconds { graph = NeuronSimilarityGraph.build(neurons: layer, tau: tau) })
        }
        gram = Matrix(rows: 0, columns: 0)
        let syrk = BenchClock.median(syrkTimes), build = BenchClock.median(buildTimes)
        var eigen: NodeScores?
        let eigenvector = try BenchClock.median(repetitions: repetitions) { eigen = try EigenvectorCentrality().centrality(of: graph) }
        let laplacian = try BenchClock.median(repetitions: repetitions) { _ = try LaplacianCentrality().centrality(of: graph) }
        let degree = try BenchClock.median(repetitions: repetitions) { _ = try DegreeCentrality().centrality(of: graph) }
        let d = eigen!.diagnostics
        let density = Double(graph.edgeCount) / (Double(n) * Double(n - 1) / 2)
        print(String(
            format: "%5.2f  %10d  %6.1f%%  %5d  %8d  %8.4f  %8.4f  %9.2f×  %8.4f  %7.1f%%  %9.4f  %8.1f%%  %8.4f",
            tau, graph.edgeCount, 100 * density, d.components ?? 0, d.products ?? 0, syrk, build, build / syrk,
            eigenvector, 100 * eigenvector / build, laplacian, 100 * laplacian / build, degree))
    }

    /// `s_i · u + g_i` for neuron `i`: one shared Gaussian direction `u`, `s_i` uniform in
    /// [0, 2), Gaussian noise `g_i`.
    private func syntheticLayer() -> Matrix<Float> {
        let size = self.size
        var generator = SplitMix64(seed: seed)
        var gaussian = GaussianSampler()
        let direction = (0..<size).map { _ in gaussian.next(using: &generator) }
        var elements = [Float](repeating: 0, count: size * size)
        for i in 0..<size {
            let strength = 2 * generator.nextUnitDouble()
            for j in 0..<size { elements[i * size + j] = Float(strength * direction[j] + gaussian.next(using: &generator)) }
        }
        return Matrix(rows: size, columns: size, elements: elements)
    }
}
