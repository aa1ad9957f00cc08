import ArgumentParser
import GraphPrune

@main
struct GraphPruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphprune",
        abstract: "Graph-based neural-network pruning: neuron importance from similarity graphs, centralities, benchmarks.",
        subcommands: [CentralityCommand.self, ScoreCommand.self, BenchCommand.self])
}
