import ArgumentParser
import GraphPrune

@main
struct GraphPruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphprune",
        abstract: "Graph-based neural-network pruning: centrality scores, similarity graphs, benchmarks.",
        subcommands: [])
}
