import XCTest
@testable import GraphPruneExperiments
@testable import GraphPruneCLI

/// The studies in Methods/ parse and validate, and their documentation matches the code.
final class ShippedStudiesTests: XCTestCase {
    private let methods = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Methods")

    func testEveryShippedStudyParsesAndValidates() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: methods.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertTrue(files.contains("quickstart.yaml"))
        XCTAssertGreaterThanOrEqual(files.count, 5)
        let executor = RunExecutor()
        for file in files {
            let spec = try StudySpec.load(path: methods.appendingPathComponent(file).path)
            XCTAssertGreaterThanOrEqual(spec.seeds.count, 3, "\(file): at least 3 seeds")
            XCTAssertFalse(spec.tables.isEmpty, file)
            for variant in [nil] + spec.variants.keys.sorted() {
                XCTAssertNoThrow(try executor.validate(StudyGrid.distinctRuns(StudyGrid.expand(spec, variant: variant)).map(\.settings)), "\(file) \(variant ?? "")")
            }
        }
    }

    /// Every shipped study that keeps its runs in the repository (`results:`) has its committed
    /// report, CSV and plots exactly as `graphprune report` writes them from those runs.
    func testCommittedReportsAreWhatTheCommittedRunsGive() throws {
        let root = methods.deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: methods.path).filter { $0.hasSuffix(".yaml") }.sorted()
        var checked = 0
        for file in files {
            let spec = try StudySpec.load(path: methods.appendingPathComponent(file).path)
            guard let results = spec.results else { continue }
            let report = StudyReport(spec: spec, store: RunStore(directory: root.appendingPathComponent(results)))
            XCTAssertTrue(report.invalid.isEmpty, "\(file): \(report.invalid.count) invalid runs in \(results)")
            // Every committed run is one the study plans (a changed study leaves no stale runs).
            let planned = Set(([nil] + spec.variants.keys.sorted()).flatMap { StudyGrid.expand(spec, variant: $0) }.map { "\($0.hash).json" })
            let stored = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(results).path).filter { $0.hasSuffix(".json") }
            XCTAssertEqual(Set(stored).subtracting(planned).sorted(), [], "\(file): runs in \(results) that the study does not plan")
            // A study may be completed over several sessions: until it is, Methods/README.md
            // says how far it is, and the report lists the missing runs.
            if !report.missing.isEmpty {
                let done = StudyGrid.distinctRuns(report.planned).count - report.missing.count
                let time = try readmeCells(file).last ?? ""
                XCTAssertTrue(time.hasPrefix("in progress: \(done) of "), "\(file): \(report.missing.count) runs missing in \(results), and Methods/README.md does not say 'in progress: \(done) of …' (it says '\(time)')")
            }
            let reports = root.appendingPathComponent("Reports")
            let plots = try report.plots()
            let markdown = try report.markdown(studyPath: "Methods/\(file)", plotFiles: plots.map { ($0.fileName, $0.title) })
            var expected = [("\(spec.name).md", markdown), ("\(spec.name).csv", try report.csv().text(lineEnding: .lf))]
            expected += plots.map { ($0.fileName, $0.svg) }
            for (name, text) in expected {
                let committed = try String(contentsOf: reports.appendingPathComponent(name), encoding: .utf8)
                if let difference = Self.firstDifference(text, committed) {
                    XCTFail("Reports/\(name) is not what `graphprune report Methods/\(file)` writes from \(results): \(difference)")
                }
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 5, "the shipped studies keep their runs")
    }

    /// Methods/README.md's table of studies states every study and its number of distinct runs.
    /// The first line where `a` and `b` differ, with both versions; nil when they are equal.
    static func firstDifference(_ a: String, _ b: String) -> String? {
        guard a != b else { return nil }
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
        func at(_ lines: [Substring]) -> String { line < lines.count ? String(lines[line].prefix(160)) : "(end)" }
        return "line \(line + 1): generated \"\(at(x))\", committed \"\(at(y))\""
    }

    func testTheReadmeStatesEveryStudysRunCount() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: methods.path).filter { $0.hasSuffix(".yaml") }.sorted()
        for file in files {
            let spec = try StudySpec.load(path: methods.appendingPathComponent(file).path)
            let runs = StudyGrid.distinctRuns(StudyGrid.expand(spec)).count
            let cells = try readmeCells(file)
            XCTAssertEqual(cells.count, 4, "\(file): | study | what | runs | time |")
            XCTAssertEqual(cells.count > 2 ? Int(cells[2]) : nil, runs, "\(file): `graphprune run Methods/\(file) --dry-run` plans \(runs) runs")
        }
    }

    /// The cells of the study's row in Methods/README.md's table (study, what, runs, time).
    private func readmeCells(_ file: String) throws -> [String] {
        let readme = try String(contentsOf: methods.appendingPathComponent("README.md"), encoding: .utf8)
        let row = readme.split(separator: "\n").first { $0.hasPrefix("| [\(file)](\(file)) |") }
        return try XCTUnwrap(row, "\(file) is not in Methods/README.md's table").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func testReadmeListsEverySettingAsTheCodeDefinesIt() throws {
        let readme = try String(contentsOf: methods.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains(StudyParameters.markdownTable()), "regenerate the table with `graphprune settings`")
        for metric in RunMetrics.known + RunMetrics.perEpoch + RunMetrics.perLayer {
            XCTAssertTrue(readme.contains("`\(metric)`"), metric)
        }
    }

    func testSettingsAScorerOrMethodIgnoresDoNotSplitRuns() {
        let none = RunSettings(given: ["procedure": .word("neuron-prune"), "scorer": .word("none"), "ratio": .number(0.3)], seed: 1)
        XCTAssertEqual(none.hash, RunSettings(given: ["procedure": .word("neuron-prune"), "scorer": .word("none"), "ratio": .number(0.9), "tau": .number(0.2)], seed: 1).hash)
        let magnitude = RunSettings(given: ["procedure": .word("neuron-prune"), "scorer": .word("magnitude"), "tau": .number(0.2)], seed: 1)
        XCTAssertNil(magnitude.values["tau"])
        XCTAssertEqual(magnitude.values["ratio"], .number(0.5))
        let eigen = RunSettings(given: ["procedure": .word("neuron-prune"), "tau": .number(0.2)], seed: 1)
        XCTAssertEqual(eigen.values["tau"], .number(0.2))
        let random = RunSettings(given: ["procedure": .word("edge-prune"), "method": .word("random"), "edge-scorer": .word("snip")], seed: 1)
        XCTAssertEqual(random.hash, RunSettings(given: ["procedure": .word("edge-prune"), "method": .word("random")], seed: 1).hash)
        let snip = RunSettings(given: ["procedure": .word("edge-prune"), "edge-scorer": .word("snip"), "synflow-iterations": .integer(5)], seed: 1)
        XCTAssertNil(snip.values["synflow-iterations"])
        XCTAssertEqual(snip.values["snip-batches"], .integer(1))
    }

    func testCompositeLabelsJoinTheApplicableSettings() throws {
        let spec = try StudySpec.parse(yaml: """
            settings: {dataset: synthetic}
            cells:
              - {procedure: neuron-prune, scorer: magnitude, match-density: 0.5}
              - {procedure: edge-prune, method: greedy, density: 0.5}
            tables: [{rows: [procedure, scorer, method], columns: density+match-density}]
            """, file: "c.yaml")
        XCTAssertEqual(spec.tables[0].rows, StudySpec.SettingLabel(["procedure", "scorer", "method"]))
        let directory = try TemporaryDirectory()
        let report = StudyReport(spec: spec, store: RunStore(directory: directory.url))
        let runs = report.planned
        XCTAssertEqual(report.value(runs[0], spec.tables[0].rows), .word("neuron-prune / magnitude"))
        XCTAssertEqual(report.value(runs[1], spec.tables[0].rows), .word("edge-prune / greedy"))
        XCTAssertEqual(report.value(runs[0], spec.tables[0].columns!), .number(0.5))
        XCTAssertEqual(report.value(runs[1], spec.tables[0].columns!), .number(0.5))
        let table = try report.markdownTable(spec.tables[0]).text
        XCTAssertTrue(table.contains("neuron-prune / magnitude") && table.contains("density / match-density = 0.5"), table)
        XCTAssertEqual(report.missing.count, 2)
    }
}
