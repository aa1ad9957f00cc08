import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNumerics

/// `graphprune score`: importance of every neuron of one layer, as CSV `neuron,score,rank,kept`.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score the neurons of one layer with an ImportanceScorer.",
        discussion: """
            Writes CSV `neuron,score,rank,kept`: rank 0 is the most important neuron (ties go to \
            the lower index); kept is 0 for the floor(P·n) lowest-scored neurons. One summary line \
            goes to stderr.
            """)

    @Option(help: "Weight file: .npy or .safetensors (float32/float64; safetensors F16/BF16 too).")
    var weights: String

    @Option(help: "Tensor name inside a .safetensors file (needed when it holds several).")
    var tensor: String?

    @Option(help: "rows: each row is a neuron's incoming weights (PyTorch nn.Linear, out × in); columns: Keras kernels (in × out).")
    var neurons: WeightMatrixFile.NeuronAxis = .rows

    @Option(help: "Scorer: \(ScorerRegistry.standard.names.joined(separator: " | ")).")
    var scorer: String

    @Option(parsing: .unconditional, help: "Cosine-similarity threshold τ in [-1, 1): an edge iff S_ij > τ (graph scorers).")
    var tau: Double = ScorerOptions().tau

    @Option(parsing: .unconditional, help: "Prune ratio P in [0, 1): kept = 0 for the floor(P·n) lowest-scored neurons.")
    var pruneRatio: Double = 0

    @Option(help: "Seed of the random control.")
    var seed: UInt64 = 0

    @Option(help: "Norm of the magnitude scorer: l1 | l2.")
    var norm: MagnitudeScorer.Norm = .l2

    @OptionGroup var centralityOptions: CentralityOptions

    @Option(help: "Write the CSV here (atomically) instead of stdout.")
    var output: String?

    @Option(help: "Also draw the layer as paper 002's Fig. 2 in this SVG file: its weights, the units' cosine-similarity matrix with τ, the scores with the kept units, and the kept units' weights.")
    var figure: String?

    func run() throws {
        guard pruneRatio >= 0 && pruneRatio < 1 else {
            throw OptionError("--prune-ratio", "\(pruneRatio) is outside [0, 1)")
        }
        var options = ScorerOptions()
        options.tau = tau
        options.seed = seed
        options.normalized = centralityOptions.normalized
        options.absoluteWeights = centralityOptions.absoluteWeights
        options.laplacianVariant = centralityOptions.laplacianVariant
        options.magnitudeNorm = norm
        let importance: any ImportanceScorer
        do {
            importance = try ScorerRegistry.standard.make(scorer, options: options)
        } catch let ScorerError.unknownScorer(name, known) {
            throw OptionError("--scorer", "unknown scorer '\(name)' (known: \(known.joined(separator: ", ")))")
        }

        if let output { try requireWritableDirectory(for: output, option: "--output") }
        if let figure { try requireWritableDirectory(for: figure, option: "--figure") }
        let started = Date()
        let layer = try WeightMatrixFile.read(URL(fileURLWithPath: weights), tensor: tensor, neurons: neurons)
        let scores: NodeScores
        switch layer {
        case .float32(let m): scores = try importance.scores(neurons: m)
        case .float64(let m): scores = try importance.scores(neurons: m)
        }
        let ranks = scores.ranks()
        let kept = scores.keptMask(pruneRatio: pruneRatio)
        var csv = "neuron,score,rank,kept\n"
        for i in scores.values.indices {
            csv += "\(i),\(fullPrecision(scores.values[i])),\(ranks[i]),\(kept[i] ? 1 : 0)\n"
        }
        if let figure {
            let (rows, columns) = switch layer {
            case .float32(let m): (m.rows, m.columns)
            case .float64(let m): (m.rows, m.columns)
            }
            guard rows > 0, columns > 0 else { throw OptionError("--figure", "the layer is \(rows) × \(columns): nothing to draw") }
            let w: Matrix<Double> = switch layer {
            case .float32(let m): m.converted(to: Double.self)
            case .float64(let m): m
            }
            let title = (weights as NSString).lastPathComponent + (tensor.map { " · \($0)" } ?? "") + " (\(importance.name), prune ratio \(pruneRatio))"
            let drawing = LayerFigure(title: title, weights: w, similarity: NeuronSimilarityGraph.similarities(neurons: w), tau: tau,
                                      scorerName: importance.name, scores: scores.values, kept: kept)
            try OutputDestination(path: figure).write(drawing.svg())
        }
        try OutputDestination(path: output).write(csv)
        report(summary(scores.diagnostics, name: importance.name, seconds: Date().timeIntervalSince(started)))
    }
}
