import ArgumentParser
import CBLAS
import Foundation
import GraphPrune

/// `graphprune bench`: the scoring benchmark (release build). Times, on one synthetic
/// `size × size` float32 layer, a raw `cblas_ssyrk` of the same size, the similarity-graph
/// build, and each centrality on the built graph; prints medians and the ratios the targets are
/// stated in (build ≤ 1.2 × syrk; each centrality ≤ 10 % of the build).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the similarity build and the centralities on a synthetic layer.",
        discussion: """
            The layer has a shared direction plus noise: neuron i is s_i·u + g_i with s_i uniform \
            in [0, 2) and g_i Gaussian, so cosine similarities spread over [0, 0.8) and τ = 0.5 \
            gives a dense core of hub neurons and a periphery of isolated ones. Run it from a \
            release build (`swift run -c release graphprune bench`).
            """)

    @Option(help: "Neurons and inputs of the square layer.")
    var size = 4096

    @Option(parsing: .unconditional, help: "Similarity threshold τ.")
    var tau = 0.5

    @Option(help: "Timed repetitions of each step (the median is reported).")
    var repetitions = 3

    @Option(help: "OpenBLAS threads (default: what OpenBLAS chose, usually all cores).")
    var threads: Int?

    @Option(help: "Seed of the synthetic layer.")
    var seed: UInt64 = 1

    func run() throws {
        guard size >= 2 else { throw OptionError("--size", "\(size) must be at least 2") }
        guard repetitions >= 1 else { throw OptionError("--repetitions", "\(repetitions) must be at least 1") }
        guard tau >= -1 && tau < 1 else { throw OptionError("--tau", "\(tau) is outside [-1, 1)") }
        if let threads {
            guard threads >= 1 else { throw OptionError("--threads", "\(threads) must be at least 1") }
            BLASThreads.set(threads)
        }
        let layer = syntheticLayer()
        #if DEBUG
        report("bench: this is a debug build; measure with `swift run -c release graphprune bench`")
        #endif
        print("# graphprune bench: \(size) × \(size) float32 layer, τ = \(tau), OpenBLAS threads \(BLASThreads.count), cores \(ProcessInfo.processInfo.activeProcessorCount), median of \(repetitions)")

        var gram = [Float](repeating: 0, count: size * size)
        let syrk = median {
            layer.elements.withUnsafeBufferPointer { a in
                gram.withUnsafeMutableBufferPointer { c in
                    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(size), Int32(size), 1,
                                a.baseAddress, Int32(size), 0, c.baseAddress, Int32(size))
                }
            }
        }
        gram = []
        var graph = WeightedGraph(adjacency: CSRMatrix(rows: 0, columns: 0, rowStarts: [0], columnIndices: [], values: []))
        let build = median { graph = NeuronSimilarityGraph.build(neurons: layer, tau: tau) }
        var eigen: NodeScores?
        let eigenvector = try medianThrowing { eigen = try EigenvectorCentrality().centrality(of: graph) }
        let laplacian = try medianThrowing { _ = try LaplacianCentrality().centrality(of: graph) }
        let degree = try medianThrowing { _ = try DegreeCentrality().centrality(of: graph) }

        let d = eigen!.diagnostics
        print("graph: \(graph.nodeCount) nodes, \(graph.edgeCount) edges, \(d.components ?? 0) components, Lanczos iterations \(d.iterations ?? 0), products \(d.products ?? 0), residual \(String(format: "%.1e", d.residual ?? 0))")
        print("step                     seconds   ratio")
        func row(_ name: String, _ t: Double, _ ratio: String) {
            print(name.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%9.4f", t) + "   " + ratio)
        }
        row("cblas_ssyrk (raw)", syrk, "1.00 × syrk")
        row("similarity build", build, String(format: "%.2f × syrk (target ≤ 1.20)", build / syrk))
        row("eigenvector scores", eigenvector, String(format: "%.1f %% of build (target ≤ 10 %%)", 100 * eigenvector / build))
        row("laplacian scores", laplacian, String(format: "%.1f %% of build (target ≤ 10 %%)", 100 * laplacian / build))
        row("degree scores", degree, String(format: "%.1f %% of build", 100 * degree / build))
    }

    private func syntheticLayer() -> Matrix<Float> {
        var generator = SplitMix64(seed: seed)
        func gaussian() -> Double {
            let u1 = max(generator.nextUnitDouble(), 1e-300), u2 = generator.nextUnitDouble()
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        let direction = (0..<size).map { _ in gaussian() }
        var elements = [Float](repeating: 0, count: size * size)
        for i in 0..<size {
            let strength = 2 * generator.nextUnitDouble()
            for j in 0..<size { elements[i * size + j] = Float(strength * direction[j] + gaussian()) }
        }
        return Matrix(rows: size, columns: size, elements: elements)
    }

    private func median(_ body: () -> Void) -> Double {
        (try? medianThrowing(body)) ?? .nan
    }

    private func medianThrowing(_ body: () throws -> Void) throws -> Double {
        var times = [Double]()
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }
}
