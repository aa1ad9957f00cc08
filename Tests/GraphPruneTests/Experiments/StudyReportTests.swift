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
        let md = try report.markdown(studyPath: "f.yaml", plotFiles: [])
        XCTAssertTrue(md.contains("5 of 6 runs finished; 1 missing"), md)
        XCTAssertTrue(md.contains("## Missing runs"), md)
    }
}

/// Confidence intervals, paired comparisons with a control and the plots' error bars.
final class StudyReportStatisticsTests: XCTestCase {
    private let yaml = """
        settings: {procedure: neuron-prune, dataset: synthetic}
        axes: {scorer: [magnitude, random], ratio: [0.3, 0.5]}
        seeds: [1, 2, 3]
        tables: [{rows: scorer, columns: ratio, metric: test_accuracy, percent: true, decimals: 1, confidence: 0.95, control: {scorer: random}}]
        plots: [{kind: lines, x: ratio, series: scorer, error-bars: ci95}]
        """

    /// The report of fabricated runs (it reads them all when it is made, so the directory may go).
    private func report(_ yaml: String, _ values: [String: [UInt64: Double]]) throws -> StudyReport {
        let spec = try StudySpec.parse(yaml: yaml, file: "p.yaml")
        let directory = try TemporaryDirectory()
        let store = RunStore(directory: directory.url)
        try store.prepare()
        for run in StudyGrid.distinctRuns(StudyGrid.expand(spec)) {
            let cell = "\(run.given["scorer"]!) \(run.settings.values["ratio"]!)\(run.given["finetune-epochs"].map { " \($0)" } ?? "")"
            guard let a = values[cell]?[run.settings.seed] else { continue }
            try store.save(RunResult(
                hash: run.hash, procedure: run.settings.procedure, settings: run.settings.values, canonical: run.settings.canonical,
                seed: run.settings.seed, metrics: ["test_accuracy": a], layers: [], phases: [], timings: [:],
                toolkitVersion: "t", machine: .current(), started: "a", finished: "b"))
        }
        return StudyReport(spec: spec, store: store)
    }

    func testCellsShowIntervalsAndThePairedTableComparesSeedBySeed() throws {
        let report = try report(yaml, [
            "magnitude 0.3": [1: 0.80, 2: 0.82, 3: 0.84], "random 0.3": [1: 0.70, 2: 0.71, 3: 0.75],
            "magnitude 0.5": [1: 0.60, 2: 0.61, 3: 0.62], "random 0.5": [1: 0.60, 2: 0.62],
        ])
        let table = report.spec.tables[0]
        let main = try report.markdownTable(table)
        // 82.0 ± 2.0, half-width t(0.975, 2) · 2 / √3 = 4.97.
        XCTAssertEqual(main.format(main.rows[0][1]), "82.0 ± 2.0 [77.0, 87.0] (3)")
        let paired = try XCTUnwrap(try report.pairedTable(table))
        XCTAssertEqual(paired.header, ["scorer", "ratio = 0.3", "ratio = 0.5"])
        XCTAssertEqual(paired.rows.map { $0.map(paired.format) }, [
            // 0.3: differences 10, 11, 9 points; 0.5: seed 3 has no control, differences 0 and −1:
            // mean −0.5, s = √½, T = −1, p = 2 P(T₁ > 1) = ½, half-width t(0.975, 1) · ½ = 6.35.
            ["magnitude", "+10.0 [+7.5, +12.5] p=0.003 (3)", "-0.5 [-6.9, +5.9] p=0.500 (2)"],
            ["random", "control", "control"],
        ])
        let md = try report.markdown(studyPath: "p.yaml", plotFiles: [("p-plot1.svg", "t")])
        XCTAssertTrue(md.contains("Paired with the control (`scorer: random`), seed by seed"), md)
        XCTAssertTrue(md.contains("[95 % confidence interval of the mean, Student t]"), md)
        XCTAssertTrue(md.contains("error bars are the 95 % confidence interval of the mean (Student t over seeds)."), md)
        // The plot's bar is the interval's half-width.
        let s = try XCTUnwrap(SummaryStatistics([80, 82, 84]))
        XCTAssertEqual(try XCTUnwrap(report.errorBar(s, .ci95)), 4.302652729749464 * 2 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(report.errorBar(s, .std), 2)
    }

    func testHolmCorrectionAdjustsThePairedTablesPValues() throws {
        let values: [String: [UInt64: Double]] = [
            "magnitude 0.3": [1: 0.80, 2: 0.82, 3: 0.84], "random 0.3": [1: 0.70, 2: 0.71, 3: 0.75],
            "magnitude 0.5": [1: 0.60, 2: 0.61, 3: 0.62], "random 0.5": [1: 0.60, 2: 0.62],
        ]
        let report = try report(yaml.replacingOccurrences(of: "control: {scorer: random}}", with: "control: {scorer: random}, correction: holm}"), values)
        let paired = try XCTUnwrap(try report.pairedTable(report.spec.tables[0]))
        // Unadjusted p 0.0033 and 0.5 (see above): Holm gives 2 × 0.0033 and max(0.0066, 0.5).
        XCTAssertEqual(paired.rows[0].map(paired.format), ["magnitude", "+10.0 [+7.5, +12.5] p=0.007 (3)", "-0.5 [-6.9, +5.9] p=0.500 (2)"])
        let md = try report.markdown(studyPath: "p.yaml", plotFiles: [])
        XCTAssertTrue(md.contains("p-values are Holm-adjusted over the table's 2 comparisons"), md)
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\ntables: [{rows: scorer, correction: holm}]", file: "h.yaml")) {
            XCTAssertTrue("\($0)".contains("tables[0].correction") && "\($0)".contains("give control too"), "\($0)")
        }
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\ntables: [{rows: scorer, control: {scorer: random}, correction: bonferroni}]", file: "h.yaml")) {
            XCTAssertTrue("\($0)".contains("unknown correction 'bonferroni'"), "\($0)")
        }
    }

    func testAControlThatNamesTwoRunsPerSeedIsAnError() throws {
        let ambiguous = """
            settings: {procedure: neuron-prune, dataset: synthetic}
            axes: {scorer: [eigenvector, random]}
            cells: [{scorer: random, finetune-epochs: 3}]
            seeds: [1]
            tables: [{rows: scorer, control: {scorer: random}}]
            """
        let report = try report(ambiguous, ["eigenvector 0.5": [1: 0.8], "random 0.5": [1: 0.7], "random 0.5 3": [1: 0.6]])
        XCTAssertThrowsError(try report.pairedTable(report.spec.tables[0])) { error in
            XCTAssertTrue("\(error)".contains("the control matches runs"), "\(error)")
        }
    }

    func testAControlSharedByCellsOrIgnoringAnAxisPairsWithEach() throws {
        // The random mask ignores the edge score: its cells under magnitude and snip are one
        // run, the control of both; the extra cell after 5 epochs gives no edge score at all.
        let spec = try StudySpec.parse(yaml: """
            settings: {procedure: edge-prune, dataset: synthetic, epochs: 0}
            axes: {method: [greedy, random], edge-scorer: [magnitude, snip]}
            cells: [{method: greedy, edge-scorer: magnitude, epochs: 5}, {method: random, epochs: 5}]
            seeds: [1, 2]
            tables:
              - {rows: method, columns: edge-scorer, where: {epochs: 0}, control: {method: random}}
              - {rows: method, where: {epochs: 5}, control: {method: random}}
            """, file: "c.yaml")
        let directory = try TemporaryDirectory()
        let store = RunStore(directory: directory.url)
        try store.prepare()
        let distinct = StudyGrid.distinctRuns(StudyGrid.expand(spec))
        XCTAssertEqual(distinct.count, 2 * (3 + 2), "random at epoch 0 is one run per seed")
        for run in distinct {
            let greedy = run.settings.values["method"] == .word("greedy")
            let accuracy = (greedy ? 0.8 : 0.5) + 0.01 * Double(run.settings.seed) + (run.settings.values["epochs"] == .integer(5) ? 0.1 : 0)
            try store.save(RunResult(
                hash: run.hash, procedure: run.settings.procedure, settings: run.settings.values, canonical: run.settings.canonical,
                seed: run.settings.seed, metrics: ["test_accuracy": accuracy], layers: [], phases: [], timings: [:],
                toolkitVersion: "t", machine: .current(), started: "a", finished: "b"))
        }
        let report = StudyReport(spec: spec, store: store)
        let atInit = try XCTUnwrap(try report.pairedTable(spec.tables[0]))
        XCTAssertEqual(atInit.rows.map { $0.map(atInit.format) }, [
            ["greedy", "+0.30 [+0.30, +0.30] p<0.001 (2)", "+0.30 [+0.30, +0.30] p<0.001 (2)"],
            ["random", "control", "control"],
        ])
        let trained = try XCTUnwrap(try report.pairedTable(spec.tables[1]))
        XCTAssertEqual(trained.format(trained.rows[0][1]), "+0.30 [+0.30, +0.30] p<0.001 (2)")
    }

    func testStatisticsOptionsAreChecked() {
        for (bad, message) in [
            ("{rows: scorer, confidence: 1.5}", "tables[0].confidence"), ("{rows: scorer, confidence: yes}", "tables[0].confidence"),
            ("{rows: scorer, control: {}}", "tables[0].control"), ("{rows: scorer, control: {scorer: best}}", "tables[0].control.scorer"),
        ] {
            XCTAssertThrowsError(try StudySpec.parse(yaml: "axes: {scorer: [random]}\nseeds: [1]\ntables: [\(bad)]", file: "b.yaml")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        XCTAssertThrowsError(try StudySpec.parse(yaml: "axes: {scorer: [random]}\nseeds: [1]\nplots: [{kind: bars, x: scorer, error-bars: sem}]", file: "b.yaml")) { error in
            XCTAssertTrue("\(error)".contains("plots[0].error-bars") && "\(error)".contains("std, ci95"), "\(error)")
        }
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
