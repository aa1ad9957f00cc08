import ArgumentParser
import Foundation
import GraphPruneExperiments

/// The `graphprune` command: its subcommands, and the one-error-line exit contract. The
/// executable target's `main.swift` calls `main()`.
public struct GraphPruneCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "graphprune",
        abstract: "Graph-based neural-network pruning: neuron importance from similarity graphs, centralities, effective resistances, spectral sparsification, pruning, sparse training, studies and reports.",
        version: GraphPruneVersion.string,
        subcommands: [CentralityCommand.self, ScoreCommand.self, ResistanceCommand.self, SparsifyCommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ExportCommand.self, InspectCommand.self, PruneCommand.self, LotteryCommand.self, FinetuneCommand.self, RunCommand.self, ReportCommand.self, SettingsCommand.self, BenchCommand.self])

    public init() {}

    /// Runs the command; every failure, parsing included, ends with one `Error:` line on stderr
    /// and a non-zero status (help and version requests print as usual).
    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            report("Error: \(message)")
            Foundation.exit(code.rawValue)
        }
    }
}
