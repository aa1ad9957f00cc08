import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNumerics

/// `graphprune centrality`: node centralities of a graph file, as CSV `node,score`.
struct CentralityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "centrality",
        abstract: "Centrality of every node of an undirected weighted graph (.mtx or edge-list .csv).",
        discussion: """
            Writes CSV `node,score`: 0-based node ids, one row per node in id order, %.17g precision. \
            An edge listed once counts for both ends; a symmetric .mtx lists one triangle.
            """)

    enum Measure: String, ExpressibleByArgument, CaseIterable {
        case eigenvector, laplacian, degree, betweenness
    }

    @Option(help: "Graph file: Matrix Market coordinate (.mtx) or edge list `source,target[,weight]` (.csv).")
    var input: String

    @Option(help: "eigenvector | laplacian | degree | betweenness (Brandes; edge weights are lengths, as NetworkX's weight=\"weight\")")
    var measure: Measure

    @Flag(help: "Betweenness over hop counts: every edge of length 1.")
    var unweighted = false

    @OptionGroup var centralityOptions: CentralityOptions

    @Option(help: "Write the CSV here (atomically) instead of stdout.")
    var output: String?

    func run() throws {
        let started = Date()
        let graph = try GraphFile.read(URL(fileURLWithPath: input))
        let centrality: any GraphCentrality
        switch measure {
        case .eigenvector: centrality = EigenvectorCentrality()
        case .laplacian:
            centrality = LaplacianCentrality(
                normalized: centralityOptions.normalized, absoluteWeights: centralityOptions.absoluteWeights,
                variant: centralityOptions.laplacianVariant)
        case .degree: centrality = DegreeCentrality(normalized: centralityOptions.normalized)
        case .betweenness: centrality = BetweennessCentrality(weighted: !unweighted, normalized: centralityOptions.normalized)
        }
        let scores = try centrality.centrality(of: graph)
        var csv = "node,score\n"
        csv.reserveCapacity(scores.values.count * 28)
        for (node, score) in scores.values.enumerated() { csv += "\(node),\(fullPrecision(score))\n" }
        try OutputDestination(path: output).write(csv)
        report(summary(scores.diagnostics, name: centrality.name, seconds: Date().timeIntervalSince(started)))
    }
}

/// The one-line stderr summary of a scoring run.
func summary(_ d: ScoreDiagnostics, name: String, seconds: Double) -> String {
    var line = "\(name): nodes \(d.nodes), edges \(optionalCount(d.edges)), components \(optionalCount(d.components)), solver iterations \(optionalCount(d.iterations))"
    if let gap = d.spectralGap { line += ", spectral gap \(String(format: "%.6g", gap))" }
    if let r = d.residual { line += ", residual \(String(format: "%.2e", r))" }
    return line + ", \(String(format: "%.3f", seconds)) s"
}
