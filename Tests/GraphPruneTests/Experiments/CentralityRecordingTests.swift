import XCTest
@testable import GraphPruneExperiments
import GraphPruneNetwork
@testable import GraphPrunePruning

/// The network's Laplacian centrality distribution (paper 003's analysis) against the energy
/// definition, and its recording during training against the same training without it.
final class CentralityRecordingTests: XCTestCase {
    func testQuantilesAreNumPysLinearInterpolation() throws {
        let d = CentralityDistribution(scores: [4, 1, 3, 2])
        XCTAssertEqual(d.mean, 2.5)
        XCTAssertEqual(d.std, 1.25.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(d.quantiles.count, 21)
        XCTAssertEqual(try XCTUnwrap(d.quantile(0)), 1)
        XCTAssertEqual(try XCTUnwrap(d.quantile(0.05)), 1.15, accuracy: 1e-15)  // numpy.quantile([1,2,3,4], 0.05)
        XCTAssertEqual(try XCTUnwrap(d.quantile(0.5)), 2.5)
        XCTAssertEqual(try XCTUnwrap(d.quantile(1)), 4)
        XCTAssertNil(d.quantile(0.33))
    }

    /// `E(G) − E(G − v)` with `E = Σ_u d_u² + 2 Σ_{u<w} a_uw²`, the graph of the input and hidden
    /// layers with `|w|` (the output layer left out), node by node.
    private func energyDrops(_ model: Network) -> [Double] {
        let layers = model.layers.indices.filter { model.layers[$0].connections != nil }.dropLast().map { model.layers[$0].connections!.weight }
        let sizes = [layers[0].columns] + layers.map(\.rows)
        let n = sizes.reduce(0, +)
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var offset = 0
        for w in layers {
            for i in 0..<w.rows { for j in 0..<w.columns {
                let u = offset + j, v = offset + w.columns + i
                a[u][v] = abs(Double(w[i, j])); a[v][u] = a[u][v]
            } }
            offset += w.columns
        }
        func energy(without removed: Int?) -> Double {
            var e = 0.0
            for u in 0..<n where u != removed {
                var d = 0.0
                for w in 0..<n where w != removed { d += a[u][w]; if w > u { e += 2 * a[u][w] * a[u][w] } }
                e += d * d
            }
            return e
        }
        let total = energy(without: nil)
        return (0..<n).map { total - energy(without: $0) }
    }

    func testTheDistributionIsThatOfTheEnergyDropsOfTheNetworksGraph() throws {
        for sparse in [nil, 2.0] as [Double?] {
            let architecture = try Architecture.parse("7-5-4-3", inputShape: nil, sparseEpsilon: sparse)
            let model = Network(architecture: architecture, initializer: .glorotUniform, seed: 5)
            let recorded = try CentralityDistribution.of(model)
            let expected = CentralityDistribution(scores: energyDrops(model))
            XCTAssertEqual(recorded.nodes, 7 + 5 + 4, "the output layer's neurons are left out")
            XCTAssertEqual(recorded.mean, expected.mean, accuracy: 1e-12 * abs(expected.mean))
            XCTAssertEqual(recorded.std, expected.std, accuracy: 1e-12 * expected.std)
            for (r, e) in zip(recorded.quantiles, expected.quantiles) { XCTAssertEqual(r, e, accuracy: 1e-12 * max(1, abs(e))) }
        }
        let convolutional = Network(architecture: try Architecture.parse("c2-4", inputShape: [1, 4, 4]), initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try CentralityDistribution.of(convolutional))
        let noHidden = Network(architecture: try Architecture.parse("6-3", inputShape: nil), initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try CentralityDistribution.of(noHidden)) { XCTAssertTrue("\($0)".contains("at least one hidden weight layer"), "\($0)") }
    }

    private func run(_ given: [String: SettingValue]) throws -> RunResult {
        var executor = RunExecutor()
        let settings = RunSettings(given: ["dataset": .word("synthetic"), "arch": .word("64-16-12-10"), "epochs": .integer(3)].merging(given) { $1 }, seed: 4)
        return try executor.execute(PlannedRun(given: settings.values, settings: settings))
    }

    func testRecordingTheCentralityLeavesTrainingUnchangedAndRecordsEveryEpoch() throws {
        for procedure in ["train", "static-sparse", "set", "censet"] {
            let plain = try run(["procedure": .word(procedure)])
            let recorded = try run(["procedure": .word(procedure), "record-lc": .flag(true)])
            XCTAssertEqual(plain.metrics["test_accuracy"], recorded.metrics["test_accuracy"], procedure)
            XCTAssertEqual(plain.phases.flatMap(\.epochs).map(\.training.trainLoss), recorded.phases.flatMap(\.epochs).map(\.training.trainLoss), procedure)
            let epochs = recorded.phases.flatMap(\.epochs)
            XCTAssertEqual(epochs.count, 3)
            XCTAssertTrue(epochs.allSatisfy { $0.centrality != nil }, procedure)
            XCTAssertTrue(plain.phases.flatMap(\.epochs).allSatisfy { $0.centrality == nil }, procedure)
            XCTAssertEqual(recorded.metrics["net_lc_mean"], epochs.last?.centrality?.mean, procedure)
            XCTAssertEqual(recorded.metrics["net_lc_std"], epochs.last?.value(of: "net_lc_std"), procedure)
            XCTAssertNotNil(recorded.metrics["net_lc_mean_initial"], procedure)
            XCTAssertNil(plain.metrics["net_lc_mean"], procedure)
        }
    }

    func testAnEpochTableShowsTheMetricAtTheListedEpochs() throws {
        let spec = try StudySpec.parse(yaml: """
            settings: {dataset: synthetic, arch: 64-16-12-10, epochs: 3, record-lc: true}
            axes: {procedure: [train, set]}
            seeds: [1, 2]
            tables: [{rows: procedure, epochs: [1, 3, 4], metric: net_lc_mean, decimals: 4}]
            plots:
              - {kind: trajectory, series: procedure, metric: test_accuracy, x-metric: net_lc_mean}
              - {kind: distribution, series: procedure, metric: net_lc, epochs: [1, 3, 4]}
              - {kind: distribution, metric: net_lc, epochs: [2]}
            """, file: "e.yaml")
        for (yaml, problem) in [
            ("plots: [{kind: distribution, metric: net_lc}]", "needs 'epochs'"),
            ("plots: [{kind: distribution, metric: net_lc_std, epochs: [1]}]", "plots[0].metric"),
            ("plots: [{kind: epochs, metric: net_lc_std, epochs: [1]}]", "only a distribution plot lists epochs"),
            ("plots: [{kind: distribution, x: procedure, metric: net_lc, epochs: [1]}]", "plots[0].x"),
        ] {
            XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\n" + yaml, file: "e.yaml")) { XCTAssertTrue("\($0)".contains(problem), "\($0)") }
        }
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\nplots: [{kind: trajectory, metric: test_accuracy}]", file: "e.yaml")) {
            XCTAssertTrue("\($0)".contains("needs 'x-metric'"), "\($0)")
        }
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\nplots: [{kind: epochs, metric: test_accuracy, x-metric: net_lc_mean}]", file: "e.yaml")) {
            XCTAssertTrue("\($0)".contains("plots[0].x-metric"), "\($0)")
        }
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\ntables: [{rows: procedure, epochs: [1], metric: parameters}]", file: "e.yaml")) {
            XCTAssertTrue("\($0)".contains("tables[0].metric"), "\($0)")
        }
        XCTAssertThrowsError(try StudySpec.parse(yaml: "seeds: [1]\ntables: [{rows: procedure, epochs: [0], metric: net_lc_mean}]", file: "e.yaml")) {
            XCTAssertTrue("\($0)".contains("tables[0].epochs[0]"), "\($0)")
        }
        let directory = try TemporaryDirectory()
        let store = RunStore(directory: directory.url)
        try store.prepare()
        var executor = RunExecutor()
        var byProcedure = [String: [RunResult]]()
        for run in StudyGrid.distinctRuns(StudyGrid.expand(spec)) {
            let result = try executor.execute(run)
            try store.save(result)
            byProcedure[run.settings.procedure, default: []].append(result)
        }
        let report = StudyReport(spec: spec, store: store)
        let table = try report.markdownTable(spec.tables[0])
        // The trajectory: a point per epoch and series (2 × 3), each at the epoch's means.
        let svg = try report.svg(spec.plots[0], title: "t")
        XCTAssertEqual(svg.components(separatedBy: "class=\"marker\"").count - 1, 6, svg)
        XCTAssertEqual(table.header, ["procedure", "epoch 1", "epoch 3", "epoch 4"])
        // The distributions: per procedure and epoch reached, the seeds' quantiles averaged.
        let chart = try report.distributionChart(spec.plots[1], title: "t")
        XCTAssertEqual(chart.series.map(\.name), ["procedure = train, epoch 1", "procedure = train, epoch 3", "procedure = set, epoch 1", "procedure = set, epoch 3"])
        for series in chart.series {
            let procedure = series.name.hasPrefix("procedure = train") ? "train" : "set", epoch = series.name.hasSuffix("1") ? 1 : 3
            let quantiles = byProcedure[procedure]!.map { $0.phases.flatMap(\.epochs)[epoch - 1].centrality!.quantiles }
            XCTAssertEqual(series.points.map(\.y), CentralityDistribution.levels.map { 100 * $0 })
            XCTAssertEqual(series.points.map(\.x), (0..<21).map { i in (quantiles[0][i] + quantiles[1][i]) / 2 }, series.name)
        }
        XCTAssertThrowsError(try report.distributionChart(spec.plots[2], title: "t")) {
            XCTAssertTrue("\($0)".contains("come from 2 cells (procedure=set, procedure=train)"), "\($0)")
        }
        for (row, procedure) in ["train", "set"].enumerated() {
            for (column, epoch) in [1, 3].enumerated() {
                let values = byProcedure[procedure]!.map { $0.phases.flatMap(\.epochs)[epoch - 1].centrality!.mean }
                XCTAssertEqual(table.rows[row][column + 1], .summary(try XCTUnwrap(SummaryStatistics(values))), "\(procedure) epoch \(epoch)")
            }
            XCTAssertEqual(table.rows[row][3], .missing, "no run reached epoch 4")
        }
    }

    func testTheRecordedCentralityIsTheTrainedModels() throws {
        let result = try run(["procedure": .word("train"), "record-lc": .flag(true), "epochs": .integer(2)])
        var executor = RunExecutor()
        let settings = RunSettings(given: ["dataset": .word("synthetic"), "arch": .word("64-16-12-10"), "epochs": .integer(2)], seed: 4)
        let data = try executor.data(settings)
        var model = try executor.initialModel(settings, data: data)
        XCTAssertEqual(result.metrics["net_lc_mean_initial"], try CentralityDistribution.of(model).mean)
        try Trainer.fit(&model, data: data, settings: executor.trainingSettings(settings, epochs: 2, phase: 0))
        XCTAssertEqual(result.phases[0].epochs.last?.centrality, try CentralityDistribution.of(model))
    }
}
