import ArgumentParser
import GraphPruneExperiments

/// `graphprune settings`: the settings a study file may give its runs.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "List the settings a study may give (name, default, values, procedures, meaning) as a Markdown table.")

    func run() throws {
        print(StudyParameters.markdownTable(), terminator: "")
    }
}
