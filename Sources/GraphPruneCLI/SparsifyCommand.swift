import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNumerics
import GraphPrunePruning

/// `graphprune sparsify`: one-shot pruning masks by spectral sparsification or greedy scores.
struct SparsifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsify",
        abstract: "Prune a layer (or every layer of a safetensors file) to an exact density.",
        discussion: """
            For one matrix, writes a mask .npy of the tensor's shape with exactly round(Q · nonzero \
            weights) nonzero entries: 1 (kept) or, with --reweight, 1/p_e, so that W ⊙ mask is the \
            reweighted sparsifier. With --all-layers on a .safetensors file, writes a .safetensors \
            file with a mask for every 2-D and 4-D tensor (convolutions unfolded to \
            C_out × (C_in·K_h·K_w)). Per layer on stderr: edges kept, λ₂ before → after, collapsed neurons, and the range of xᵀL_Hx / xᵀL_Gx over random x ⊥ 1.
            """)

    @Option(help: "Weight file: .npy or .safetensors (a graphprune checkpoint's `.mask` tensors mark where a sparse layer has connections).")
    var weights: String

    @Option(help: "One tensor of a .safetensors file.")
    var tensor: String?

    @Flag(help: "Every 2-D and 4-D tensor of a .safetensors file.")
    var allLayers = false

    @Option(help: "Target density Q in (0, 1].")
    var density: Double

    @Option(help: "spectral (effective-resistance sampling) | greedy (top scores) | random (uniformly random edges, the control).")
    var method: NetworkSparsifier.Method

    @Flag(help: "One sample (spectral, approximate resistances) or one threshold (greedy, OpenLTH sparse_global) over all layers instead of each layer to Q.")
    var global = false

    @Option(help: "Edge score: \(EdgeScorerRegistry.standard.names.joined(separator: " | ")).")
    var score = "magnitude"

    @Option(help: "Accuracy ε of the approximate resistances used by --global spectral (projection dimension ⌈24 ln n / ε²⌉), in (0, 1).")
    var resistanceAccuracy: Double = 0.3

    @Flag(help: "Mask entries 1/p_e instead of 1 for spectrally sampled edges (graph sparsification).")
    var reweight = false

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(help: "Output file: .npy for one matrix, .safetensors with --all-layers (written atomically).")
    var output: String

    func run() throws {
        guard density > 0 && density <= 1 else { throw OptionError("--density", "\(density) is outside (0, 1]") }
        guard resistanceAccuracy > 0 && resistanceAccuracy < 1 else {
            throw OptionError("--resistance-accuracy", "\(resistanceAccuracy) is outside (0, 1)")
        }
        if allLayers && tensor != nil { throw OptionError("--all-layers", "cannot be combined with --tensor") }
        let expected = allLayers ? "safetensors" : "npy"
        guard URL(fileURLWithPath: output).pathExtension.lowercased() == expected else {
            throw OptionError("--output", "\(output) must be a .\(expected) file\(allLayers ? " with --all-layers" : " (use --all-layers for a .safetensors of masks)")")
        }
        if ModelEdgeScorerRegistry.standard.needsModel(score) {
            throw OptionError("--score", "edge score '\(score)' needs the model (and for snip training data), not only weight matrices: use graphprune prune --granularity edge --scorer \(score)")
        }
        let scorer: any EdgeScorer
        do {
            scorer = try EdgeScorerRegistry.standard.make(score)
        } catch ScorerError.unknownScorer(let name, let known) {
            throw OptionError("--score", "unknown edge score '\(name)' (known: \(known.joined(separator: ", ")))")
        } catch {
            throw OptionError("--score", "\(error) (graphprune prune --granularity edge --scorer \(score))")
        }
        let url = URL(fileURLWithPath: weights)
        var named: [(name: String, tensor: Tensor)]
        var masks = [Matrix<Double>?]()
        var metadata = [String: String]()
        if allLayers {
            guard url.pathExtension.lowercased() == "safetensors" else {
                throw OptionError("--all-layers", "needs a .safetensors file, got \(weights)")
            }
            let file = try SafetensorsFile.read(from: url)
            // Layer order is the names' natural order (layers.2 before layers.10); a sparse
            // checkpoint's `NAME.mask` tensors say where connections exist, they are not layers.
            named = file.tensors.keys.sorted(by: naturalOrder).compactMap { k in
                !k.hasSuffix(".mask") && file.tensors[k]!.isLayerWeight ? (k, file.tensors[k]!) : nil
            }
            masks = try named.map { name, t in
                guard name.hasSuffix(".weight"), let m = file.tensors[String(name.dropLast(".weight".count)) + ".mask"] else { return nil }
                guard m.shape == t.shape else {
                    throw OptionError("--all-layers", "\(weights): mask of \(name) has shape \(m.shape), the weight \(t.shape)")
                }
                return try m.unfoldedLayer(name: "\(weights) mask of '\(name)'")
            }
            guard !named.isEmpty else { throw OptionError("--all-layers", "\(weights) holds no 2-D or 4-D tensor") }
            metadata = file.metadata
        } else {
            let (t, label) = try WeightMatrixFile.readTensor(url, tensor: tensor)
            named = [(label, t)]
            masks = [nil]
        }
        let layers = try named.map { name, t -> Matrix<Double> in
            let m = try t.unfoldedLayer(name: "\(weights) tensor '\(name)'")
            try WeightMatrixFile.requireFinite(m, label: "\(weights) tensor '\(name)'")
            return m
        }
        let sparsifier = NetworkSparsifier(
            method: method, density: density, global: global, reweight: reweight, seed: seed, scorer: scorer,
            approximation: ApproximateEffectiveResistance(epsilon: resistanceAccuracy, seed: seed))
        let results = try sparsifier.sparsify(
            layers: layers, candidateMasks: masks,
            inputGroupSizes: named.map { $0.tensor.shape.count == 4 ? $0.tensor.shape[2] * $0.tensor.shape[3] : 1 })

        let outURL = URL(fileURLWithPath: output)
        if allLayers {
            var masks = [String: Tensor]()
            for ((name, t), r) in zip(named, results) {
                masks[name] = Tensor(shape: t.shape, storage: .float32(r.mask.elements.map { Float($0) }))
            }
            metadata["graphprune"] = "sparsify method=\(method.rawValue) density=\(density) global=\(global) score=\(score) reweight=\(reweight) seed=\(seed)"
            try SafetensorsFile.write(masks, metadata: metadata, to: outURL)
        } else {
            let mask = Tensor(shape: named[0].tensor.shape, storage: .float32(results[0].mask.elements.map { Float($0) }))
            try NumPyFile.write(mask, to: outURL)
        }
        for ((name, _), r) in zip(named, results) {
            report("\(name): kept \(r.kept) of \(r.candidates) edges, λ₂ \(String(format: "%.4f", r.before.lambda2)) → \(String(format: "%.4f", r.after.lambda2)), collapsed neurons \(r.collapsedNeurons), xᵀL_Hx/xᵀL_Gx in [\(String(format: "%.3f", r.quadraticForm.minimum)), \(String(format: "%.3f", r.quadraticForm.maximum))]")
        }
    }
}

extension NetworkSparsifier.Method: ExpressibleByArgument {}

/// `layers.2.weight` before `layers.10.weight`: runs of digits compare as numbers.
func naturalOrder(_ a: String, _ b: String) -> Bool {
    func parts(_ s: String) -> [Either] {
        var result = [Either](), digits = "", text = ""
        for c in s {
            if c.isASCII && c.isNumber {
                if !text.isEmpty { result.append(.text(text)); text = "" }
                digits.append(c)
            } else {
                if !digits.isEmpty { result.append(.number(Int(digits) ?? Int.max)); digits = "" }
                text.append(c)
            }
        }
        if !digits.isEmpty { result.append(.number(Int(digits) ?? Int.max)) }
        if !text.isEmpty { result.append(.text(text)) }
        return result
    }
    enum Either { case number(Int), text(String) }
    let (x, y) = (parts(a), parts(b))
    for (p, q) in zip(x, y) {
        switch (p, q) {
        case let (.number(m), .number(n)) where m != n: return m < n
        case let (.text(s), .text(t)) where s != t: return s < t
        case (.number, .text): return true
        case (.text, .number): return false
        default: continue
        }
    }
    return x.count != y.count ? x.count < y.count : a < b
}
