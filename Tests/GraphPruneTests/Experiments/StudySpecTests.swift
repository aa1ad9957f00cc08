import XCTest
@testable import GraphPruneExperiments

final class StudySpecTests: XCTestCase {
    private let valid = """
        caption: Test study
        settings:
          procedure: neuron-prune
          dataset: synthetic
          arch: 64-32-16-10
          epochs: 2
        axes:
          scorer: [eigenvector, random]
          ratio: [0.25, 0.5]
        seeds: [1, 2]
        overrides:
          - when: {scorer: random}
            set: {tau: 0.3}
        cells:
          - {procedure: train}
        tables:
          - {rows: scorer, columns: ratio, metric: test_accuracy, percent: true}
        plots:
          - {kind: lines, x: ratio, series: scorer}
        """

    func testParsesEverySection() throws {
        let spec = try StudySpec.parse(yaml: valid, file: "Methods/t.yaml")
        XCTAssertEqual(spec.name, "t")
        XCTAssertEqual(spec.caption, "Test study")
        XCTAssertEqual(spec.settings["epochs"], .integer(2))
        XCTAssertEqual(spec.axes.map(\.name), ["scorer", "ratio"])
        XCTAssertEqual(spec.axes[1].values, [.number(0.25), .number(0.5)])
        XCTAssertEqual(spec.seeds, [1, 2])
        XCTAssertEqual(spec.overrides, [.init(when: ["scorer": .word("random")], set: ["tau": .number(0.3)])])
        XCTAssertEqual(spec.cells, [["procedure": .word("train")]])
        XCTAssertEqual(spec.tables.first?.percent, true)
        XCTAssertEqual(spec.plots.first?.kind, .lines)
    }

    /// Every rejection names the file, the key path and the reason.
    func testRejectionsNameFilePathAndReason() {
        let cases: [(yaml: String, path: String, reason: String)] = [
            ("settings: {epochs: 2}\nbogus: 1", "bogus", "unknown key"),
            ("settings: {epoch: 2}", "settings.epoch", "unknown setting 'epoch'"),
            ("settings: {epochs: two}", "settings.epochs", "must be an integer"),
            ("settings: {procedure: neuron-prune, ratio: 1.0}", "settings.ratio", "must lie in [0.0, 1.0)"),
            ("axes: {ratio: [0.5, 1.5]}", "axes.ratio[1]", "must lie in"),
            ("axes: {scorer: []}", "axes.scorer", "is empty"),
            ("axes: {scorer: [eigenvector, pagerank]}", "axes.scorer[1]", "unknown value 'pagerank'"),
            ("axes: {scorer: [random, random]}", "axes.scorer[1]", "repeats"),
            ("seeds: []", "seeds", "non-empty"),
            ("seeds: [1, 1]", "seeds", "repeats"),
            ("tables: [{rows: scorer, metric: accuracy}]", "tables[0].metric", "unknown metric 'accuracy'"),
            ("tables: [{metric: test_accuracy}]", "tables[0]", "needs 'rows'"),
            // Found by Scripts/fuzz (FuzzStudy): an empty label trapped in SettingLabel.
            ("tables:\n  - rows: # a comment, no value\n    metric: test_accuracy", "tables[0].rows", "is empty: give a setting name"),
            ("tables: [{rows: '+', metric: test_accuracy}]", "tables[0].rows", "is empty"),
            ("plots: [{kind: lines, x: '', metric: test_accuracy}]", "plots[0].x", "is empty"),
            ("plots: [{kind: pie, x: ratio}]", "plots[0].kind", "unknown plot kind"),
            ("plots: [{kind: lines}]", "plots[0]", "needs 'x'"),
            ("overrides: [{when: {scorer: random}}]", "overrides[0]", "needs both"),
            ("settings: {scorer: random}\naxes: {scorer: [random]}", "axes.scorer", "also fixed"),
            ("settings: [1, 2]", "settings", "must be a mapping"),
            ("settings: {augment: maybe}", "settings.augment", "must be true or false"),
            ("name: 'a b'", "name", "must be letters"),
            ("variants: [1]", "variants", "must be a mapping"),
            ("variants: {default: {epochs: 2}}", "variants", "not 'default'"),
            ("variants: {big: {epoch: 2}}", "variants.big.epoch", "unknown setting"),
            ("full: {epochs: 2}\nvariants: {full: {epochs: 3}}", "full", "also given as variants.full"),
            ("tables: [{rows: procedure, metric: train_loss, epochs: {full: [1]}}]\nfull: {epochs: 2}", "tables[0].epochs", "needs a 'default'"),
            ("tables: [{rows: procedure, metric: train_loss, epochs: {default: [1], big: [2]}}]", "tables[0].epochs.big", "names no variant"),
            ("tables: [{rows: procedure, metric: train_loss, epochs: {default: [0]}}]", "tables[0].epochs.default[0]", "≥ 1"),
            (": : :", "", "not valid YAML"),
            ("", "", "empty"),
        ]
        for c in cases {
            XCTAssertThrowsError(try StudySpec.parse(yaml: c.yaml, file: "s.yaml"), c.yaml) { error in
                guard let e = error as? StudySpecError else { return XCTFail("\(c.yaml): \(error)") }
                XCTAssertEqual(e.file, "s.yaml")
                XCTAssertEqual(e.path, c.path, c.yaml)
                XCTAssertTrue(e.reason.contains(c.reason), "\(c.yaml): \(e.reason)")
                XCTAssertEqual(e.description.split(separator: "\n").count, 1)
            }
        }
    }

    /// A variant's settings go over the study's and under its axes, cells and overrides; `full:`
    /// is the variant `full`; a table may show other epochs for a variant.
    func testVariantsApplyTheirSettingsUnderTheGrid() throws {
        let spec = try StudySpec.parse(yaml: """
            settings: {procedure: train, dataset: synthetic, epochs: 2, lr: 0.05}
            axes: {batch: [10, 20]}
            cells: [{epochs: 1}]
            overrides: [{when: {batch: 20}, set: {lr: 0.2}}]
            full: {epochs: 200}
            variants: {cifar10: {dataset: cifar10, arch: 3072-100-10, epochs: 5}}
            tables: [{rows: batch, metric: test_accuracy, epochs: {default: [1, 2], full: [100, 200]}}]
            seeds: [1]
            """, file: "v.yaml")
        XCTAssertEqual(spec.variants.keys.sorted(), ["cifar10", "full"])
        func settings(_ variant: String?) -> [[String]] {
            StudyGrid.expand(spec, variant: variant).map { run in
                ["dataset", "arch", "epochs", "lr", "batch"].map { run.settings.values[$0]!.description }
            }
        }
        let arch = RunSettings(given: [:], seed: 0).values["arch"]!.description
        XCTAssertEqual(settings(nil), [["synthetic", arch, "2", "0.05", "10"], ["synthetic", arch, "2", "0.2", "20"], ["synthetic", arch, "1", "0.05", "100"]])
        XCTAssertEqual(settings("full"), [["synthetic", arch, "200", "0.05", "10"], ["synthetic", arch, "200", "0.2", "20"], ["synthetic", arch, "1", "0.05", "100"]])
        XCTAssertEqual(settings("cifar10"), [["cifar10", "3072-100-10", "5", "0.05", "10"], ["cifar10", "3072-100-10", "5", "0.2", "20"], ["cifar10", "3072-100-10", "1", "0.05", "100"]])
        XCTAssertEqual(spec.tables[0].epochs(variant: nil), [1, 2])
        XCTAssertEqual(spec.tables[0].epochs(variant: "full"), [100, 200])
        XCTAssertEqual(spec.tables[0].epochs(variant: "cifar10"), [1, 2])
        XCTAssertNoThrow(try spec.requireVariant(nil, file: "v.yaml"))
        XCTAssertNoThrow(try spec.requireVariant("cifar10", file: "v.yaml"))
        XCTAssertThrowsError(try spec.requireVariant("imagenet", file: "v.yaml")) { error in
            XCTAssertEqual("\(error)", "v.yaml: variants: has no variant 'imagenet' (known: cifar10, full)")
        }
    }

    func testErrorsCarryTheLine() {
        XCTAssertThrowsError(try StudySpec.parse(yaml: "settings:\n  epochs: 2\n  lr: -1\n", file: "s.yaml")) { error in
            XCTAssertEqual((error as? StudySpecError)?.line, 3)
        }
    }

    func testMissingFileIsOneLine() {
        XCTAssertThrowsError(try StudySpec.load(path: "/nonexistent/x.yaml")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/x.yaml"))
        }
    }

    func testTheStudysResultsDirectoryIsTheDefaultThatTheOptionOverrides() throws {
        let own = try StudySpec.parse(yaml: "seeds: [1]\nresults: Reports/runs/mine", file: "r.yaml")
        XCTAssertEqual(own.resultsDirectory(option: nil), "Reports/runs/mine")
        XCTAssertEqual(own.resultsDirectory(option: "elsewhere"), "elsewhere")
        XCTAssertEqual(try StudySpec.parse(yaml: "seeds: [1]", file: "r.yaml").resultsDirectory(option: nil), RunStore.defaultDirectory)
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\nresults: ''", file: "r.yaml")) { error in
            XCTAssertTrue("\(error)".contains("r.yaml") && "\(error)".contains("results"), "\(error)")
        }
    }

    func testIntegerForNumberAndQuotedNumbersAreWords() throws {
        let spec = try StudySpec.parse(yaml: "settings: {procedure: edge-prune, density: 1}", file: "s.yaml")
        XCTAssertEqual(spec.settings["density"], .number(1))
        XCTAssertThrowsError(try StudySpec.parse(yaml: "settings: {epochs: '3'}", file: "s.yaml"))
    }
}

final class StudyGridTests: XCTestCase {
    private func spec(_ yaml: String) throws -> StudySpec { try StudySpec.parse(yaml: yaml, file: "g.yaml") }

    func testProductOrderSeedsOverridesAndExtraCells() throws {
        let s = try spec("""
            settings: {procedure: neuron-prune, dataset: synthetic}
            axes: {scorer: [eigenvector, random], ratio: [0.25, 0.5]}
            seeds: [7, 8]
            overrides: [{when: {scorer: eigenvector}, set: {tau: 0.3}}]
            cells: [{procedure: train}]
            """)
        let runs = StudyGrid.expand(s)
        XCTAssertEqual(runs.count, (2 * 2 + 1) * 2)
        XCTAssertEqual(runs.map { $0.given["scorer"] }.prefix(4), [.word("eigenvector"), .word("eigenvector"), .word("eigenvector"), .word("eigenvector")])
        XCTAssertEqual(runs.map { $0.given["ratio"] }.prefix(4), [.number(0.25), .number(0.25), .number(0.5), .number(0.5)])
        XCTAssertEqual(runs.map(\.settings.seed).prefix(4), [7, 8, 7, 8])
        for run in runs where run.given["scorer"] == .word("eigenvector") {
            XCTAssertEqual(run.settings["tau"], .number(0.3))
        }
        for run in runs where run.given["scorer"] == .word("random") && run.settings.procedure == "neuron-prune" {
            XCTAssertNil(run.settings.values["tau"], "random does not read τ")
        }
        XCTAssertEqual(runs.last?.settings.procedure, "train")
        XCTAssertNil(runs.last?.settings.values["ratio"], "ratio does not apply to train")
    }

    func testCellsResolvingAlikeShareOneRun() throws {
        let s = try spec("axes: {procedure: [set, censet], censet-k: [2.0, 3.0]}\nseeds: [1]")
        let runs = StudyGrid.expand(s)
        XCTAssertEqual(runs.count, 4)
        XCTAssertEqual(StudyGrid.distinctRuns(runs).count, 3, "SET ignores censet-k: its two cells are one run")
    }

    func testHashIsStableIgnoresDefaultsAndSeesEveryChange() {
        let a = RunSettings(given: ["procedure": .word("train"), "epochs": .integer(3)], seed: 1)
        let b = RunSettings(given: ["procedure": .word("train"), "epochs": .integer(3), "batch": .integer(100)], seed: 1)
        XCTAssertEqual(a.hash, b.hash, "giving a default changes nothing")
        XCTAssertEqual(a.canonical, #"{"epochs":3,"seed":1}"#)
        XCTAssertEqual(a.hash, String(SHA256.hex(#"{"epochs":3,"seed":1}"#).prefix(16)))
        XCTAssertNotEqual(a.hash, RunSettings(given: ["epochs": .integer(3)], seed: 2).hash)
        XCTAssertNotEqual(a.hash, RunSettings(given: ["epochs": .integer(4)], seed: 1).hash)
        // Settings that do not apply to the procedure do not enter the hash.
        XCTAssertEqual(a.hash, RunSettings(given: ["epochs": .integer(3), "tau": .number(0.9)], seed: 1).hash)
        // A frozen value: renaming or re-encoding anything would silently orphan every stored run.
        XCTAssertEqual(a.hash.count, 16)
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1000)).count, 64)
    }

    func testShardsPartitionExactlyForAnyN() throws {
        let items = Array(0..<23)
        for n in 1...30 {
            var seen = [Int]()
            for i in 1...n { seen += Shard(index: i, count: n).select(items) }
            XCTAssertEqual(seen.sorted(), items, "N = \(n)")
        }
        XCTAssertEqual(try Shard(parsing: "2/8"), Shard(index: 2, count: 8))
        for bad in ["0/3", "4/3", "1/0", "x", "1/2/3", "-1/2"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad)
        }
    }
}
