import XCTest
@testable import GraphPruneExperiments
@testable import GraphPruneCLI

/// Report aggregation against hand-computed values and exact fixtures, from fabricated runs.
final class StudyReportTests: XCTestCase {
    private func fabricate(_ spec: StudySpec, in store: RunStore, accuracy: (PlannedRun) -> Double?) throws {
        try store.prepare()
        for run in StudyGrid.distinctRuns(StudyGrid.expand(spec)) {
            guard let a = accuracy(run) else { continue }
            try store.save(RunResult(
                hash: run.hash, procedure: run.settings.procedure, settings: run.settings.values, canonical: run.settings.canonical,
                seed: run.settings.seed, metrics: ["test_accuracy": a, "parameters": 100], layers: [], phases: [], timings: [:],
                toolkitVersion: "test", machine: MachineDescription(hostname: "h", cores: 2, blasThreads: 2, memoryGiB: 1, operatingSystem: "os"),
                started: "t0", finished: "t1"))
        }
    }

    func testTableAndCSVMatchFixtures() throws {
        let spec = try StudySpec.parse(yaml: """
            settings: {procedure: neuron-prune, dataset: synthetic}
            axes: {scorer: [magnitude, random]}
            seeds: [1, 2, 3]
            tables: [{rows: scorer, metric: test_accuracy, percent: true, decimals: 1}]
            """, file: "f.yaml")
        let directory = try TemporaryDirectory()
        let store = RunStore(directory: directory.url)
        // magnitude: 0.80, 0.82, 0.84 → 82.0 ± 2.0 (3); random: seeds 1 and 2 only → 0.70, 0.71 → 70.5 ± 0.7 (2).
        let values: [String: [UInt64: Double]] = ["magnitude": [1: 0.80, 2: 0.82, 3: 0.84], "random": [1: 0.70, 2: 0.71]]
        try fabricate(spec, in: store) { run in values[run.given["scorer"]!.description]![run.settings.seed] }
        let report = StudyReport(spec: spec, store: store)
        XCTAssertEqual(report.missing.count, 1)
        XCTAssertEqual(try report.markdownTable(spec.tables[0]).text, """
            | scorer    | test accuracy (%) |
            | :-------- | ----------------: |
            | magnitude |    82.0 ± 2.0 (3) |
            | random    |    70.5 ± 0.7 (2) |

            """)
        let csv = try report.csv().text(lineEnding: .lf).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv[0], "kind,hash,seed,scorer,n,parameters,test_accuracy")
        XCTAssertEqual(csv.filter { $0.hasPrefix("run,") }.count, 5)
        let means = csv.filter { $0.hasPrefix("mean,") }.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(means.map { Array($0[0..<6]) }, [["mean", "", "", "magnitude", "3", "100"], ["mean", "", "", "random", "2", "100"]])
        XCTAssertEqual(Double(means[0][6])!, 0.82, accuracy: 1e-15)
        XCTAssertEqual(Double(means[1][6])!, 0.705, accuracy: 1e-15)
        let std = csv.first { $0.hasPrefix("std,,,magnitude,3,0,") }.map { Double($0.split(separator: ",").last!)! }
        XCTAssertEqual(try XCTUnwrap(std), 0.02, accuracy: 1e-15, "sample standard deviation (n − 1)")
        let md = try report.markdown(studyPath: "f.yaml", full: false, plotFiles: [])
        XCTAssertTrue(md.contains("5 of 6 runs finished; 1 missing"), md)
        XCTAssertTrue(md.contains("## Missing runs"), md)
    }
}

/// Regression tests for the review of the harness.
final class StudyHarnessReviewTests: XCTestCase {
    func testNonFiniteMetricsAreStoredAndReadBack() throws {
        let directory = try TemporaryDirectory()
        let store = RunStore(directory: directory.url)
        let settings = RunSettings(given: [:], seed: 1)
        try store.prepare()
        try store.save(RunResult(
            hash: settings.hash, procedure: "train", settings: settings.values, canonical: settings.canonical, seed: 1,
            metrics: ["test_loss": .nan, "test_accuracy": 0.1, "x": .infinity], layers: [], phases: [], timings: [:],
            toolkitVersion: "t", machine: .current(), started: "a", finished: "b"))
        let read = try XCTUnwrap(store.result(settings.hash))
        XCTAssertTrue(read.metrics["test_loss"]!.isNaN)
        XCTAssertEqual(read.metrics["x"], .infinity)
    }

    func testOverridesMatchDefaults() throws {
        let spec = try StudySpec.parse(yaml: """
            settings: {procedure: neuron-prune}
            axes: {ratio: [0.25]}
            overrides: [{when: {scorer: eigenvector}, set: {tau: 0.1}}]
            """, file: "o.yaml")
        XCTAssertEqual(StudyGrid.expand(spec)[0].settings["tau"], .number(0.1), "eigenvector is the default scorer")
    }

    func testSharedBaselineIsOneCSVRowWithoutForeignSettingsAndPlotsDoNotMixSeries() throws {
        let spec = try StudySpec.parse(yaml: """
            settings: {dataset: synthetic}
            axes: {procedure: [train, neuron-prune], scorer: [magnitude, random]}
            seeds: [1]
            plots: [{kind: bars, x: procedure, series: scorer}]
            """, file: "s.yaml")
        let directory = try TemporaryDirectory()
        let store = RunStore(directory: directory.url)
        try store.prepare()
        for run in StudyGrid.distinctRuns(StudyGrid.expand(spec)) {
            try store.save(RunResult(
                hash: run.hash, procedure: run.settings.procedure, settings: run.settings.values, canonical: run.settings.canonical,
                seed: 1, metrics: ["test_accuracy": run.settings.procedure == "train" ? 0.9 : 0.5], layers: [], phases: [], timings: [:],
                toolkitVersion: "t", machine: .current(), started: "a", finished: "b"))
        }
        let report = StudyReport(spec: spec, store: store)
        let rows = try report.csv().text(lineEnding: .lf).split(separator: "\n").map(String.init)
        let header = rows[0].split(separator: ",").map(String.init)
        let scorer = header.firstIndex(of: "scorer")!
        let trainRows = rows.filter { $0.hasPrefix("run,") && $0.contains(",train,") }
        XCTAssertEqual(trainRows.count, 1, "the train run is shared by both scorer cells")
        XCTAssertEqual(trainRows[0].split(separator: ",", omittingEmptySubsequences: false)[scorer], "", "scorer does not apply to train")
        XCTAssertEqual(rows.filter { $0.hasPrefix("mean,") && $0.contains(",train,") }.count, 1)
        // The bar of train under each scorer series is the train run itself (0.9), not a mix.
        let svg = try report.plots()[0].svg
        XCTAssertFalse(svg.contains("nan"))
        let series = report.seriesCells(spec.plots[0], x: StudySpec.SettingLabel(["procedure"]))
        XCTAssertEqual(series.map(\.series), [.word("magnitude"), .word("random")])
        XCTAssertEqual(series.map { $0.cells.map(\.runs.count) }, [[1, 1], [1, 1]], "each series has the shared train run once, and its own run")
    }

    func testTrainingSettingsAndBackboneAreValidatedBeforeRunning() throws {
        let executor = RunExecutor()
        let nesterov = RunSettings(given: ["dataset": .word("synthetic"), "arch": .word("64-16-10"), "nesterov": .flag(true), "momentum": .number(0)], seed: 1)
        XCTAssertThrowsError(try executor.validate(nesterov)) { XCTAssertTrue("\($0)".contains("Nesterov"), "\($0)") }
        let frozenNothing = RunSettings(given: ["procedure": .word("transfer-prune"), "dataset": .word("synthetic"), "arch": .word("64-16-10"), "layers": .word("hidden")], seed: 1)
        XCTAssertThrowsError(try executor.validate(frozenNothing)) { XCTAssertTrue("\($0)".contains("freeze-backbone"), "\($0)") }
    }
}

final class IntegerAxisTests: XCTestCase {
    func testAMinimumStepOfOneKeepsTicksOnIntegers() {
        XCTAssertEqual(PlotAxis(scale: .linear, range: 0...2, minimumStep: 1).ticks.map(\.value), [0, 1, 2])
        XCTAssertEqual(PlotAxis(scale: .linear, range: 0...2, minimumStep: 1).ticks.map(\.label), ["0", "1", "2"])
        XCTAssertEqual(PlotAxis(scale: .linear, range: 0...2).ticks.map(\.value), [0, 0.5, 1, 1.5, 2], "without it, 1-2-5 steps of 0.5")
        XCTAssertEqual(PlotAxis(scale: .linear, range: 1...40, minimumStep: 1).ticks.map(\.value), [0, 10, 20, 30, 40])
    }
}
