import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneIO

/// `graphprune report`: tables, CSV and plots of a study from the runs that exist.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a study's report (NAME.md, NAME.csv, NAME-plotK.svg) from the runs that exist.",
        discussion: "Cells are mean ± sample standard deviation (n) over seeds; missing runs are listed, never invented.")

    @Argument(help: "The study file.")
    var study: String

    @Option(help: "Results directory (default: the study's `results`, else Reports/runs).")
    var results: String?

    @Option(help: "Where the report files go.")
    var outputDir = "Reports"

    @OptionGroup var variantOptions: StudyVariantOptions

    func run() throws {
        let spec = try StudySpec.load(path: study)
        let variant = try variantOptions.resolve(spec, file: study)
        let results = spec.resultsDirectory(option: self.results)
        let resultsURL = URL(fileURLWithPath: results)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resultsURL.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OptionError("--results", "directory \(results) does not exist (run the study first: graphprune run \(study))")
        }
        let output = URL(fileURLWithPath: outputDir)
        try createDirectory(outputDir, option: "--output-dir")
        try requireWritableDirectory(for: output.appendingPathComponent("x").path, option: "--output-dir")
        let studyReport = StudyReport(spec: spec, variant: variant, store: RunStore(directory: resultsURL))
        let name = spec.name + (variant.map { "-" + $0 } ?? "")
        // Render everything before writing anything, so a failure leaves no partial report.
        let plots = try studyReport.plots().map { p in (fileName: p.fileName.replacingOccurrences(of: spec.name, with: name, options: .anchored), p.title, p.svg) }
        let markdown = try studyReport.markdown(studyPath: study, plotFiles: plots.map { ($0.fileName, $0.1) })
        let csv = try studyReport.csv().text(lineEnding: .lf)
        for p in plots { try AtomicFile.write(Data(p.2.utf8), to: output.appendingPathComponent(p.fileName)) }
        try AtomicFile.write(Data(csv.utf8), to: output.appendingPathComponent("\(name).csv"))
        try AtomicFile.write(Data(markdown.utf8), to: output.appendingPathComponent("\(name).md"))
        for (hash, problem) in studyReport.invalid {
            report("\(RunStore(directory: URL(fileURLWithPath: results)).url(of: hash).path): \(problem); left out of the report")
        }
        let missing = studyReport.missing.count, failed = studyReport.failed.count
        report("report \(name): \(studyReport.results.count) runs, \(failed) failed, \(missing) missing → \(output.path)/\(name).md, .csv, \(plots.count) plots")
        print(output.appendingPathComponent("\(name).md").path)
    }
}
