import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneInterchange
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// `graphprune prune`: neuron (structured) or edge (unstructured) pruning of a saved model.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune a saved model by neurons (rebuilt smaller, paper 002) or by edges (one-shot masks, paper 004).",
        discussion: """
            Neuron pruning scores the neurons of each chosen layer (its rows; a convolution's filters) \
            with --scorer, removes floor(ratio·n) of the lowest, and rebuilds a smaller model: the \
            layer's rows and bias and the next layer's matching input columns. Edge pruning keeps \
            exactly round(density·weights) weights per layer (globally with --method global) and \
            stores the pruned layers as sparse layers with masks. A per-layer table goes to stdout.
            """)

    enum Granularity: String, ExpressibleByArgument, CaseIterable { case neuron, edge }

    @Option(help: "A model saved by `graphprune train --save` (safetensors).")
    var model: String

    @Option(help: "neuron | edge")
    var granularity: Granularity

    @Option(help: "Neuron scorer (eigenvector, laplacian, degree, magnitude, random; on training data: taylor, activation, apoz) or edge scorer (magnitude, lamp, snip, grasp, synflow).")
    var scorer: String

    @Option(help: "Layers: hidden, first-hidden, last-hidden, conv, all, or node names like layers.0,layers.3 or layer1.0.conv1 (neuron default: hidden; edge default: every Dense/convolution layer). Neuron pruning prunes each listed layer's whole dependency group (the layers a residual sum couples to it).")
    var layers: String?

    @Option(help: "Neuron pruning: fraction of each layer's neurons removed, in [0, 1).")
    var ratio: Double?

    @Option(help: "Edge pruning: fraction of the weights kept, in (0, 1].")
    var density: Double?

    @Option(help: "Similarity threshold τ of the neuron graph (graph scorers).")
    var tau = 0.5

    @Option(help: "Neuron pruning: fewest neurons a layer may keep.")
    var minWidth = 1

    func validate() throws {
        guard minWidth >= 1 else { throw OptionError("--min-width", "\(minWidth) must be at least 1") }
    }

    @Option(help: "Edge pruning with a layerwise method: how --density is spread over the layers: uniform | er (Erdős–Rényi) | erk (Erdős–Rényi-Kernel), as RigL.")
    var densityDistribution: DensityDistribution = .uniform

    @Option(help: "Neuron pruning: layer (every layer loses --ratio of its neurons) | global (--ratio of all listed layers' neurons together, each layer's scores divided by --score-normalization).")
    var neuronScope: NeuronScope = .layer

    @Option(help: "Neuron pruning with --neuron-scope global: each layer's scores divided by their mean | max | l2 norm.")
    var scoreNormalization: ScoreNormalization = .mean

    @Option(help: "Neuron pruning of a group of coupled layers: concatenated (score each channel on its rows in every coupled layer, joined; a single layer's rows) | mean | max | sum (score each layer alone and reduce per channel).")
    var groupScoring: GroupScoring = .concatenated

    @Option(help: "Edge pruning: spectral (effective-resistance sampling per layer) | greedy (top scores per layer) | global (top scores over all layers) | random (the control) | global-spectral (one sample over the whole network, approximate resistances).")
    var method: EdgePruning.Method = .spectral

    @Option(help: "Edge pruning: apply the masks to the weights of this model (the initial weights: rewind to init) instead of --model's.")
    var rewindTo: String?

    @Option(help: "The data set whose training batches are scored, for scorers that read data: snip, grasp (edges), taylor, activation, apoz (neurons; 10 batches of 100 drawn with --seed).")
    var dataset: Dataset?

    @Option(help: "Directory of the data set files.")
    var dataDir: String?

    @Option(help: "SynFlow pruning rounds.")
    var synflowIterations = 100

    @Option(help: "Seed of every random choice (random scorer, spectral sampling, random masks).")
    var seed: UInt64 = 0

    @OptionGroup var preprocessing: PreprocessingOptions

    @Option(help: "Where the pruned model goes, written atomically: a graphprune checkpoint (.safetensors, a PyTorch state dict with the architecture in its metadata) or ONNX (.onnx).")
    var output: String

    func run() throws {
        try requireWritableDirectory(for: output, option: "--output")
        var (original, metadata) = try ModelFile.load(URL(fileURLWithPath: model))
        let inputPreprocessing = dataset != nil || preprocessing.isGiven ? try preprocessing.resolve(model: model, metadata: &metadata) : nil
        var lines = [String]()
        let pruned: Network
        switch granularity {
        case .neuron:
            guard density == nil else { throw OptionError("--density", "applies to edge pruning; neuron pruning takes --ratio") }
            guard let ratio else { throw OptionError("--ratio", "neuron pruning needs --ratio P (fraction of neurons removed)") }
            guard ratio >= 0 && ratio < 1 else { throw OptionError("--ratio", "\(ratio) is outside [0, 1)") }
            var options = ScorerOptions()
            options.tau = tau
            options.seed = seed
            let scorer: any NeuronScorer
            do {
                scorer = try NeuronScorerRegistry.standard.make(
                    self.scorer, options: options, groupScoring: groupScoring, sampling: DataSampling(batches: 10, batchSize: 100, seed: seed))
            } catch { throw OptionError("--scorer", "\(error)") }
            let positions = try selectedLayers(original, default: "hidden")
            var pruning = NeuronPruning(scorer: scorer, pruneRatio: ratio, minimumWidth: minWidth)
            (pruning.scope, pruning.normalization) = (neuronScope, scoreNormalization)
            if scorer.needsData && dataset == nil {
                throw OptionError("--dataset", "\(self.scorer) scores channels on training data: give --dataset")
            }
            let data = try dataset.map { try $0.load(directory: dataDir, seed: seed, preprocessing: inputPreprocessing ?? .standardization).train }
            let result = try pruning.prune(original, layers: positions, data: data)
            pruned = result.model
            let width = max(10, result.layers.map { $0.name.count }.max() ?? 0)
            lines.append(column("layer", width) + "  units before → after  parameters before → after  similarity graph; coupled layers")
            for l in result.layers {
                let d = l.diagnostics
                let graph = d.edges.map { e in "\(e) edges, \(optionalCount(d.components)) components" + (d.spectralGap.map { String(format: ", spectral gap %.3g", $0) } ?? "") } ?? "n/a"
                let coupled = l.coupled.isEmpty ? "" : "; with " + l.coupled.joined(separator: ", ")
                lines.append(column(l.name, width)
                    + String(format: "  %6d → %-6d          %9d → %-9d      %@", l.unitsBefore, l.unitsAfter, l.parametersBefore, l.parametersAfter, graph) + coupled)
            }
            for l in result.layers where l.diagnostics.edges == 0 {
                report("warning: \(l.name): the similarity graph at τ = \(tau) has no edges, so every neuron scores alike and the lowest indices are kept; lower --tau for a meaningful ranking")
            }
            lines.append("model parameters \(result.costBefore.parameters) → \(result.costAfter.parameters), FLOPs per sample \(result.costBefore.flops) → \(result.costAfter.flops)")
        case .edge:
            guard ratio == nil else { throw OptionError("--ratio", "applies to neuron pruning; edge pruning takes --density") }
            guard let density else { throw OptionError("--density", "edge pruning needs --density Q (fraction of weights kept)") }
            guard density > 0 && density <= 1 else { throw OptionError("--density", "\(density) is outside (0, 1]") }
            let initial = try rewindTo.map { try ModelFile.load(URL(fileURLWithPath: $0)).model }
            if let initial, initial.architecture != original.architecture {
                throw OptionError("--rewind-to", "\(rewindTo!) has another architecture than \(model)")
            }
            guard synflowIterations > 0 else { throw OptionError("--synflow-iterations", "\(synflowIterations) must be positive") }
            var options = EdgeScorerOptions()
            options.synflowIterations = synflowIterations
            let data = try dataset.map { try $0.load(directory: dataDir, seed: seed, preprocessing: inputPreprocessing ?? .standardization).train }
            if ["snip", "grasp"].contains(scorer) && data == nil { throw OptionError("--dataset", "\(scorer) scores gradients on training data: give --dataset") }
            var pruning: EdgePruning
            do {
                pruning = try EdgePruning(method: method, density: density, scorer: scorer, options: options,
                                          layers: try layers.map { try LayerSelection.positions($0, in: original) },
                                          rewind: initial != nil, seed: seed)
            } catch let error as ScorerError { throw OptionError("--scorer", error.description) }
            pruning.densityDistribution = densityDistribution
            let result = try pruning.prune(original, initial: initial, data: data)
            pruned = result.model
            let names = original.architecture.names
            let width = max(10, result.layers.map { names[$0.position].count }.max() ?? 0)
            lines.append(column("layer", width) + "  edges kept / candidates   density   λ₂ before → after   collapsed neurons")
            for l in result.layers {
                lines.append(column(names[l.position], width) + String(
                    format: "  %9d / %-9d       %.4f    %.4f → %.4f        %d", l.kept, l.candidates,
                    l.density, l.lambda2Before, l.lambda2After, l.collapsedNeurons))
            }
            lines.append("model parameters \(result.parameterCountBefore) → \(result.parameterCount), density \(String(format: "%.4f", result.density))")
        }
        var meta = metadata
        meta["pruning"] = "graphprune prune --granularity \(granularity.rawValue) --scorer \(scorer)" + (ratio.map { " --ratio \($0)" } ?? "") + (density.map { " --density \($0)" } ?? "") + " --seed \(seed)"
        try ModelFile.save(pruned, to: URL(fileURLWithPath: output), metadata: meta)
        print(lines.joined(separator: "\n"))
    }

    private func selectedLayers(_ model: Network, default name: String) throws -> [Int] {
        do { return try LayerSelection.positions(layers ?? name, in: model) } catch { throw OptionError("--layers", "\(error)") }
    }
}

extension EdgePruning.Method: ExpressibleByArgument {}
