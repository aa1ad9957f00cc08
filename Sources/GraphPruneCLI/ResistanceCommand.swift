import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNumerics

/// `graphprune resistance`: the effective resistance of every weight of a layer.
struct ResistanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resistance",
        abstract: "Effective resistance of every edge of a layer's bipartite graph (edge weights |w|).",
        discussion: """
            Writes a float64 .npy of the weight tensor's shape: entry (i, j) is the effective \
            resistance between the two neurons joined by weight (i, j); absent edges (w = 0) are 0. \
            4-D convolution weights (C_out × C_in × K_h × K_w) are unfolded to C_out × (C_in·K_h·K_w). \
            One summary line on stderr: nodes, edges, components, method, seconds.
            """)

    @Option(help: "Weight file: .npy or .safetensors.")
    var weights: String

    @Option(help: "Tensor name inside a .safetensors file (needed when it holds several).")
    var tensor: String?

    @Option(help: "rows (PyTorch, out × in) or columns (Keras, in × out). Accepted for symmetry with `score`: the bipartite graph, and the output's layout (always that of the file), do not depend on it.")
    var neurons: WeightMatrixFile.NeuronAxis = .rows

    @Option(help: "exact-schur (default, matrix-multiply time) | exact-pinv (reference, cubic) | approximate (Spielman–Srivastava).")
    var method: EffectiveResistance.LayerMethod = .exactSchur

    @Option(help: "Requested accuracy ε of the approximate method, in (0, 1).")
    var epsilon: Double = 0.3

    @Option(help: "Seed of the approximate method's random projection.")
    var seed: UInt64 = 0

    @Option(help: "Write the .npy here (atomically) instead of stdout.")
    var output: String?

    func run() throws {
        guard epsilon > 0 && epsilon < 1 else { throw OptionError("--epsilon", "\(epsilon) is outside (0, 1)") }
        let started = Date()
        let (t, label) = try WeightMatrixFile.readTensor(URL(fileURLWithPath: weights), tensor: tensor)
        let shape = t.shape
        // Consuming the tensor leaves the layer the only owner of its elements, so |w| is taken in
        // place: the weights are held once, the resistances once more.
        var magnitudes = try (consume t).unfoldedLayer(name: label)
        try WeightMatrixFile.requireFinite(magnitudes, label: label)
        var edges = 0
        for i in magnitudes.elements.indices {
            magnitudes.elements[i] = abs(magnitudes.elements[i])
            if magnitudes.elements[i] > 0 { edges += 1 }
        }
        let resistance = try EffectiveResistance.forLayer(
            biadjacency: magnitudes, method: method,
            approximation: ApproximateEffectiveResistance(epsilon: epsilon, seed: seed))
        try NumPyFile.withParts(Tensor(shape: shape, storage: .float64(resistance.elements))) { parts in
            if let output {
                try AtomicFile.write(parts, to: URL(fileURLWithPath: output))
            } else {
                for part in parts { FileHandle.standardOutput.write(part) }
            }
        }
        let components = BipartiteComponents(magnitudes)
        report("resistance: nodes \(magnitudes.rows + magnitudes.columns), edges \(edges), components \(components.count), method \(method.rawValue), \(String(format: "%.3f", Date().timeIntervalSince(started))) s")
    }
}

extension EffectiveResistance.LayerMethod: ExpressibleByArgument {}
