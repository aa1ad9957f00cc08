import Foundation
import XCTest
@testable import GraphPruneInterchange
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPruneExperiments
@testable import GraphPruneCLI

/// Running a tiny study end to end on the synthetic set: results, resume, shards, reports.
final class StudyRunTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-study") }
    override func tearDown() { directory = nil }

    private let study = """
        caption: Tiny
        settings: {procedure: neuron-prune, dataset: synthetic, arch: 64-16-10, epochs: 1, finetune-epochs: 1, layers: hidden}
        axes: {scorer: [magnitude, random]}
        seeds: [1, 2]
        tables: [{rows: scorer, metric: test_accuracy, percent: true}]
        plots: [{kind: bars, x: scorer, metric: accuracy_after_pruning}]
        """

    private func writeStudy(_ text: String? = nil) throws -> String {
        let path = directory.path("tiny.yaml")
        try (text ?? study).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func resultFiles(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }

    func testRunsEverythingOnceThenSkipsAndResumesAfterAKill() throws {
        let file = try writeStudy()
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let spec = try StudySpec.load(path: file)
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(spec))
        XCTAssertEqual(try resultFiles(results), planned.map { "\($0.hash).json" }.sorted())
        let store = RunStore(directory: URL(fileURLWithPath: results))
        let first = try XCTUnwrap(store.result(planned[0].hash))
        XCTAssertEqual(first.settings["scorer"], .word("magnitude"))
        XCTAssertEqual(first.phases.map(\.name), ["train", "finetune"])
        XCTAssertEqual(first.metrics["pruning_ratio"], 0.5)
        XCTAssertEqual(first.layers.first?.values["units_after"], 8)

        // Simulate a kill: one run's result gone with a half-written temp file left behind, another corrupt.
        let killed = planned[1].hash, corrupt = planned[2].hash
        try FileManager.default.removeItem(atPath: store.url(of: killed).path)
        try Data("{\"hash\": \"\(killed)\", \"metr".utf8).write(to: URL(fileURLWithPath: results).appendingPathComponent(".\(killed).json.tmp-1-ab"))
        try Data("{ not json".utf8).write(to: store.url(of: corrupt))
        let untouched = try Data(contentsOf: store.url(of: planned[3].hash))
        XCTAssertFalse(store.isDone(killed))
        XCTAssertFalse(store.isDone(corrupt))
        try RunCommand.parse([file, "--results", results]).run()
        XCTAssertTrue(store.isDone(killed))
        XCTAssertTrue(store.isDone(corrupt))
        XCTAssertEqual(try Data(contentsOf: store.url(of: planned[3].hash)), untouched, "finished runs are not redone")
        // Same seed, same settings: the redone run reproduces the first one's numbers.
        XCTAssertEqual(store.result(planned[0].hash)?.metrics["test_accuracy"], first.metrics["test_accuracy"])
    }

    func testReportAggregatesExactlyWhatTheRunsStored() throws {
        let file = try writeStudy()
        let results = directory.path("runs"), output = directory.path("report")
        try RunCommand.parse([file, "--results", results]).run()
        try ReportCommand.parse([file, "--results", results, "--output-dir", output]).run()
        let spec = try StudySpec.load(path: file)
        let store = RunStore(directory: URL(fileURLWithPath: results))
        let runs = StudyGrid.expand(spec)
        for scorer in ["magnitude", "random"] {
            let values = runs.filter { $0.given["scorer"] == .word(scorer) }.map { 100 * store.result($0.hash)!.metrics["test_accuracy"]! }
            let mean = values.reduce(0, +) / 2
            let std = ((values[0] - mean) * (values[0] - mean) + (values[1] - mean) * (values[1] - mean)).squareRoot()
            let md = try String(contentsOfFile: "\(output)/tiny.md", encoding: .utf8)
            XCTAssertTrue(md.contains(String(format: "%.2f ± %.2f (2)", mean, std)), "\(scorer): \(md)")
        }
        let csv = try String(contentsOfFile: "\(output)/tiny.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.filter { $0.hasPrefix("run,") }.count, 4)
        XCTAssertEqual(csv.filter { $0.hasPrefix("mean,") }.count, 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(output)/tiny-plot1.svg"))
        XCTAssertTrue(try String(contentsOfFile: "\(output)/tiny.md", encoding: .utf8).contains("graphprune run \(file) && graphprune report \(file)"))
    }

    func testDryRunListsRunsAndShardsPartitionThem() throws {
        let file = try writeStudy()
        let results = directory.path("runs")
        var listed = [String]()
        for i in 1...3 {
            let (status, out, _) = try runGraphprune(["run", file, "--results", results, "--dry-run", "--shard", "\(i)/3"])
            XCTAssertEqual(status, 0)
            listed += out.split(separator: "\n").dropFirst().map { String($0.prefix(16)) }
        }
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file)))
        XCTAssertEqual(listed.sorted(), planned.map(\.hash).sorted())
        XCTAssertFalse(FileManager.default.fileExists(atPath: results), "a dry run writes nothing")
    }

    /// A study's CIFAR-10 variant runs on the CIFAR-10 files of `--data-dir` (tiny ones here)
    /// and reports as NAME-cifar10; an unknown variant and a contradicting `--full` are one-line
    /// errors that run nothing.
    func testAVariantRunsOnItsOwnDataAndReportsUnderItsName() throws {
        let file = try writeStudy("""
            caption: Variant
            settings: {procedure: train, dataset: synthetic, arch: 64-16-10, epochs: 1}
            variants: {cifar10: {dataset: cifar10, arch: 3072-8-10, batch: 2}}
            seeds: [1, 2]
            tables: [{rows: procedure, metric: test_accuracy, epochs: {default: [1], cifar10: [1]}}]
            """)
        let data = URL(fileURLWithPath: directory.path("cifar"))
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for b in 1...5 { _ = try DataFixtures.write(DataFixtures.cifarRecords([UInt8(b), UInt8(9 - b)]), to: data, "data_batch_\(b).bin") }
        _ = try DataFixtures.write(DataFixtures.cifarRecords([0, 9]), to: data, "test_batch.bin")
        let results = directory.path("runs")
        let (dry, listing, _) = try runGraphprune(["run", file, "--results", results, "--variant", "cifar10", "--dry-run"])
        XCTAssertEqual(dry, 0)
        XCTAssertTrue(listing.contains("arch=3072-8-10 batch=2 dataset=cifar10"), listing)
        for bad in [["--variant", "imagenet"], ["--full"], ["--full", "--variant", "cifar10"], ["--variant", "cifar10"],
                    ["--variant", "cifar10", "--data-dir", directory.path("nothing-here")]] {
            let (status, _, err) = try runGraphprune(["run", file, "--results", results] + bad)
            XCTAssertNotEqual(status, 0, "\(bad)")
            XCTAssertEqual(err.split(separator: "\n").count, 1, err)
            XCTAssertTrue(err.contains(bad.contains("--variant") && bad.count == 2 && bad[1] == "cifar10" || bad.contains("--data-dir") ? "not found" : "--variant"), err)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: results), "a refused command writes nothing")
        let (status, _, err) = try runGraphprune(["run", file, "--results", results, "--variant", "cifar10", "--data-dir", data.path])
        XCTAssertEqual(status, 0, err)
        let spec = try StudySpec.load(path: file)
        let runs = StudyGrid.distinctRuns(StudyGrid.expand(spec, variant: "cifar10"))
        XCTAssertEqual(try resultFiles(results), runs.map { "\($0.hash).json" }.sorted())
        let stored = try XCTUnwrap(RunStore(directory: URL(fileURLWithPath: results)).result(runs[0].hash))
        XCTAssertEqual(stored.settings["dataset"], .word("cifar10"))
        XCTAssertEqual(stored.metrics["parameters"], Double(3072 * 8 + 8 + 8 * 10 + 10))
        let output = directory.path("reports")
        let (reported, _, reportError) = try runGraphprune(["report", file, "--results", results, "--variant", "cifar10", "--output-dir", output])
        XCTAssertEqual(reported, 0, reportError)
        let markdown = try String(contentsOfFile: output + "/tiny-cifar10.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("(variant cifar10): 2 of 2 runs finished"), markdown)
        XCTAssertTrue(markdown.contains("graphprune run \(file) --variant cifar10 && graphprune report \(file) --variant cifar10"), markdown)
    }

    /// Three shards run as three processes into one directory give the same report as one
    /// unsharded run (timings aside).
    func testThreeShardProcessesEqualOneUnshardedRun() throws {
        let file = try writeStudy()
        let sharded = directory.path("sharded"), single = directory.path("single")
        let processes = try (1...3).map { i -> Process in
            let p = Process()
            p.executableURL = try graphpruneBinary()
            p.arguments = ["run", file, "--results", sharded, "--shard", "\(i)/3"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        for p in processes { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0) }
        XCTAssertEqual(try runGraphprune(["run", file, "--results", single]).0, 0)
        for (dir, out) in [(sharded, "r1"), (single, "r2")] {
            XCTAssertEqual(try runGraphprune(["report", file, "--results", dir, "--output-dir", directory.path(out)]).0, 0)
        }
        func tables(_ out: String) throws -> String {
            let md = try String(contentsOfFile: directory.path("\(out)/tiny.md"), encoding: .utf8)
            return String(md[md.range(of: "## Table 1")!.lowerBound..<md.range(of: "## Settings")!.lowerBound])
        }
        func numbers(_ out: String) throws -> [String] {
            // CSV without the timing columns, which differ from run to run.
            let rows = try String(contentsOfFile: directory.path("\(out)/tiny.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let keep = rows[0].indices.filter { !rows[0][$0].hasSuffix("seconds") }
            return rows.map { r in keep.map { String(r[$0]) }.joined(separator: ",") }
        }
        XCTAssertEqual(try tables("r1"), try tables("r2"))
        XCTAssertEqual(try numbers("r1"), try numbers("r2"))
    }

    /// `--jobs 2` splits the runs missing now between two worker processes, whichever runs are done.
    func testJobsRunTheMissingRunsInWorkerProcesses() throws {
        let file = try writeStudy()
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file)))
        let store = RunStore(directory: URL(fileURLWithPath: results))
        // Remove two runs that an index-based split would both give to one worker.
        for run in [planned[0], planned[2]] { try FileManager.default.removeItem(at: store.url(of: run.hash)) }
        let (status, _, stderr) = try runGraphprune(["run", file, "--results", results, "--jobs", "2"])
        XCTAssertEqual(status, 0, stderr)
        // Both workers go through the missing runs (a worker that starts late finds fewer),
        // claiming each: every run runs once.
        XCTAssertTrue(stderr.contains("to run (worker 1/2)") && stderr.contains("to run (worker 2/2)"), stderr)
        for run in [planned[0], planned[2]] {
            XCTAssertEqual(stderr.components(separatedBy: "] \(run.hash) seed=").count - 1, 1, stderr)
        }
        XCTAssertTrue(planned.allSatisfy { store.isDone($0.hash) })
    }

    /// An output directory that cannot be made is named with the system's reason, not reported
    /// as missing (a read-only file system; /sys refuses new directories even to root).
    func testReportOutputDirectoryThatCannotBeMade() throws {
        let file = try writeStudy()
        let results = directory.path("runs")
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        let (status, _, stderr) = try runGraphprune(["report", file, "--results", results, "--output-dir", "/sys/graphprune-report/x"])
        XCTAssertNotEqual(status, 0)
        XCTAssertEqual(stderr, "Error: --output-dir: cannot create directory /sys/graphprune-report (Operation not permitted)\n")
    }

    func testInvalidStudiesFailBeforeRunning() throws {
        let results = directory.path("runs")
        let bad = try writeStudy("settings: {procedure: neuron-prune, dataset: synthetic, arch: 64-16-10, layers: layers.7}\nseeds: [1]")
        let (status, _, err) = try runGraphprune(["run", bad, "--results", results])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(err.hasPrefix("Error: "), err)
        XCTAssertEqual(err.split(separator: "\n").count, 1, err)
        let unknown = try writeStudy("settings: {dataset: synthetic, arch: 64-16-10}\naxes: {scorer: [eigenvector, pagerank]}")
        let (status2, _, err2) = try runGraphprune(["run", unknown, "--results", results])
        XCTAssertNotEqual(status2, 0)
        XCTAssertTrue(err2.contains("axes.scorer[1]") && err2.contains("pagerank"), err2)
        let signed = try writeStudy("settings: {procedure: edge-prune, dataset: synthetic, arch: 64-16-10, edge-scorer: grasp}\naxes: {method: [global, spectral]}")
        let (status3, _, err3) = try runGraphprune(["run", signed, "--results", results])
        XCTAssertNotEqual(status3, 0)
        XCTAssertTrue(err3.contains("edge-scorer: grasp scores are signed; method spectral"), err3)
        let convolutional = try writeStudy("settings: {procedure: edge-prune, dataset: synthetic, arch: 64-16-10, edge-scorer: grasp, method: global, activation: srelu}")
        let (status4, _, err4) = try runGraphprune(["run", convolutional, "--results", results])
        XCTAssertNotEqual(status4, 0)
        XCTAssertTrue(err4.contains("edge-scorer: grasp: node") && err4.contains("chains of Dense and ReLU layers"), err4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: results))
    }

    /// A study that prunes a model of its own (an ONNX file recording no preprocessing), every
    /// run storing the file's SHA-256; the checks a study makes before running.
    func testAStudyPrunesAGivenModel() throws {
        let trained = directory.path("m.safetensors"), model = directory.path("m.onnx")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "1", "--seed", "3", "--save", trained]).run()
        try ONNXExport.write(try ModelFile.load(URL(fileURLWithPath: trained)).model, to: URL(fileURLWithPath: model))
        let study = """
            caption: Given model
            settings: {procedure: neuron-prune, dataset: synthetic, model: \(model), input-normalization: standardize, finetune-epochs: 1, layers: hidden}
            axes: {scorer: [magnitude, random]}
            seeds: [1, 2, 3]
            tables: [{rows: scorer, metric: test_accuracy, percent: true}]
            """
        let file = try writeStudy(study)
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let store = RunStore(directory: URL(fileURLWithPath: results))
        let runs = StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file)))
        XCTAssertEqual(runs.count, 6)
        let digest = SHA256.digest([UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))).map { String(format: "%02x", $0) }.joined()
        for run in runs {
            let result = try XCTUnwrap(store.result(run.hash))
            XCTAssertEqual(result.model, RunResult.ModelSource(path: model, sha256: digest))
            XCTAssertEqual(result.phases.map(\.name), ["finetune"], "no pre-training")
            XCTAssertEqual(result.layers.first?.values["units_after"], 8)
            XCTAssertNotNil(result.metrics["accuracy_before_pruning"])
        }
        // Refused before any run: no preprocessing known, rewinding to weights it has not, a
        // model that does not take the data.
        for (settings, fragment) in [
            ("{procedure: neuron-prune, dataset: synthetic, model: \(model)}", "records no input preprocessing; set input-normalization"),
            ("{procedure: edge-prune, dataset: synthetic, model: \(model), input-normalization: standardize}", "rewind: a given model has no initial weights"),
            ("{procedure: neuron-prune, dataset: fashion-mnist, model: \(model), input-normalization: standardize}", "takes inputs of shape [1, 1, 64]"),
            ("{procedure: neuron-prune, dataset: synthetic, model: \(directory.path("missing.onnx"))}", "cannot be read"),
        ] {
            let bad = try writeStudy("caption: Bad\nsettings: \(settings)\nseeds: [1, 2, 3]\ntables: [{rows: scorer, metric: test_accuracy}]\n")
            XCTAssertThrowsError(try RunCommand.parse([bad, "--results", directory.path("bad")]).run()) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
        }
    }

    /// `gmp` runs reach their final density layer by layer (or globally) and leave the output
    /// layer dense when asked.
    func testGradualMagnitudePruningRuns() throws {
        let study = """
            caption: GMP
            settings: {procedure: gmp, dataset: synthetic, arch: 64-16-10, epochs: 2, density: 0.2, gmp-frequency: 5}
            axes: {gmp-scope: [layerwise, global], prune-output-layer: [true, false]}
            seeds: [1, 2, 3]
            tables: [{rows: gmp-scope, columns: prune-output-layer, metric: test_accuracy, percent: true}]
            """
        let file = try writeStudy(study)
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let store = RunStore(directory: URL(fileURLWithPath: results))
        for run in StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file))) {
            let result = try XCTUnwrap(store.result(run.hash))
            let layers = result.layers
            XCTAssertEqual(layers.count, run.settings.flag("prune-output-layer") ? 2 : 1)
            let kept = layers.map { $0.values["kept"]! }.reduce(0, +), all = layers.map { $0.values["candidates"]! }.reduce(0, +)
            XCTAssertEqual(result.metrics["density"]!, kept / all)
            XCTAssertEqual(kept, (0.2 * all).rounded(), accuracy: run.settings.word("gmp-scope") == "layerwise" ? 1 : 0)
            if run.settings.word("gmp-scope") == "layerwise" {
                for layer in layers { XCTAssertEqual(layer.values["kept"]!, (0.2 * layer.values["candidates"]!).rounded()) }
            }
            XCTAssertEqual(result.phases.map(\.name), ["train"])
        }
    }

    /// `rigl` runs keep the sparse network's connection count through every epoch.
    func testRigLRuns() throws {
        let study = """
            caption: RigL
            settings: {procedure: rigl, dataset: synthetic, arch: 64-32-10, epochs: 2, sparse-epsilon: 3, rigl-frequency: 5}
            seeds: [1, 2, 3]
            tables: [{rows: procedure, metric: test_accuracy, percent: true}]
            """
        let file = try writeStudy(study)
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let store = RunStore(directory: URL(fileURLWithPath: results))
        for run in StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file))) {
            let result = try XCTUnwrap(store.result(run.hash))
            let connections = result.phases[0].epochs.map(\.training.connections)
            XCTAssertEqual(connections.count, 2)
            XCTAssertEqual(Set(connections).count, 1)
            XCTAssertEqual(result.metrics["connections"], Double(connections[0]))
        }
    }

    /// `imp` runs report their level of one shared line, or its controls, at the level's density.
    func testLotteryTicketRuns() throws {
        let study = """
            caption: IMP
            settings: {procedure: imp, dataset: synthetic, arch: 64-16-10, epochs: 2, rewind-epoch: 1, pruning-fraction: 0.5}
            axes: {imp-level: [1, 2], imp-control: [none, reinit, random-mask]}
            seeds: [1, 2, 3]
            tables: [{rows: imp-level, columns: imp-control, metric: test_accuracy, percent: true}]
            """
        let file = try writeStudy(study)
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let store = RunStore(directory: URL(fileURLWithPath: results))
        let all = 64 * 16 + 16 * 10
        for run in StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file))) {
            let result = try XCTUnwrap(store.result(run.hash))
            let level = run.settings.integer("imp-level")
            let kept = level == 1 ? (0.5 * Double(all)).rounded() : (0.5 * (0.5 * Double(all)).rounded()).rounded()
            XCTAssertEqual(result.metrics["density"]!, kept / Double(all), accuracy: 1e-12, "\(run.settings.canonical)")
            XCTAssertEqual(result.layers.map { $0.values["kept"]! }.reduce(0, +), kept)
            XCTAssertEqual(result.phases.map(\.name), ["retrain"])
            XCTAssertEqual(result.phases[0].epochs.count, 1, "epochs − rewind-epoch")
        }
        let bad = try writeStudy("caption: Bad\nsettings: {procedure: imp, dataset: synthetic, arch: 64-16-10, imp-level: 0, imp-control: reinit}\nseeds: [1, 2, 3]\ntables: [{rows: imp-level, metric: test_accuracy}]\n")
        XCTAssertThrowsError(try RunCommand.parse([bad, "--results", directory.path("bad")]).run()) {
            XCTAssertTrue("\($0)".contains("level 0 is the dense network"), "\($0)")
        }
    }

    /// `sparse-density` spreads an overall initial density over the sparse layers (the ε of
    /// each layer giving its density), Erdős–Rényi or uniformly; 0 keeps `sparse-epsilon`.
    func testSparseDensityChoosesEachLayersEpsilon() throws {
        let executor = RunExecutor()
        let shape = ImageShape.vector(64)
        func architecture(_ extra: String) throws -> Architecture {
            let spec = try StudySpec.parse(yaml: """
                caption: S
                settings: {procedure: set, dataset: synthetic, arch: 64-48-32-10\(extra)}
                seeds: [1, 2, 3]
                tables: [{rows: procedure, metric: test_accuracy}]
                """, file: "s.yaml")
            return try executor.architecture(StudyGrid.expand(spec)[0].settings, inputShape: shape, sparse: true)
        }
        func epsilons(_ a: Architecture) -> [Double] {
            a.layers.compactMap { if case .sparseDense(_, let e) = $0 { e } else { nil } }
        }
        XCTAssertEqual(epsilons(try architecture("")), [20, 20])
        let shapes = [(48, 64), (32, 48)]
        let uniform = epsilons(try architecture(", sparse-density: 0.25, sparse-distribution: uniform"))
        for (e, (o, i)) in zip(uniform, shapes) { XCTAssertEqual(e * Double(o + i) / Double(o * i), 0.25, accuracy: 1e-12) }
        let er = epsilons(try architecture(", sparse-density: 0.25"))
        XCTAssertEqual(er[0], er[1], accuracy: 1e-9, "one ε for every layer")
        let kept = zip(er, shapes).map { e, s in e * Double(s.0 + s.1) }.reduce(0, +)
        XCTAssertEqual(kept, 0.25 * Double(48 * 64 + 32 * 48), accuracy: 1e-6)
    }

    /// For RigL the convolutions get densities too: with `sparse-density` one ERK distribution
    /// over the sparse Dense layers (`[out, in]`) and the convolutions (`[F, C, k, k]`), each
    /// density `ε · r_l` with one ε; with `sparse-epsilon`, ERK's density at that ε. A built-in
    /// network's convolutions are its only sparse layers.
    func testRigLSpreadsTheDensityOverConvolutionsByERK() throws {
        let executor = RunExecutor()
        let shape = ImageShape(channels: 1, height: 8, width: 8)
        func layout(_ arch: String, _ extra: String) throws -> (architecture: Architecture, convolutionDensities: [(position: Int, density: Double)]) {
            let spec = try StudySpec.parse(yaml: """
                caption: S
                settings: {procedure: rigl, dataset: synthetic, arch: "\(arch)"\(extra)}
                seeds: [1, 2, 3]
                tables: [{rows: procedure, metric: test_accuracy}]
                """, file: "s.yaml")
            return try executor.sparseLayout(StudyGrid.expand(spec)[0].settings, inputShape: shape, sparse: true, convolutions: true)
        }
        // c4-c8-p-16-10 on 1×8×8: conv 4×(1·3·3), conv 8×(4·3·3), Dense 16×(8·4·4), output.
        let joint = try layout("c4-c8-p-16-10", ", sparse-density: 0.3, sparse-distribution: erk")
        XCTAssertEqual(joint.convolutionDensities.map(\.position), [0, 2])
        let epsilon = try XCTUnwrap(joint.architecture.layers.compactMap { if case .sparseDense(_, let e) = $0 { e } else { nil } }.first)
        let dense = epsilon * Double(16 + 128) / Double(16 * 128)
        let raw = [Double(4 + 1 + 3 + 3) / Double(4 * 1 * 9), Double(8 + 4 + 3 + 3) / Double(8 * 4 * 9)]
        // The first convolution's ε·r would exceed 1 at this budget: dense, and ε solved for the rest.
        let densities = joint.convolutionDensities.map(\.density)
        XCTAssertEqual(densities[0], 1)
        XCTAssertEqual(densities[1] / raw[1], dense / (Double(16 + 128) / Double(16 * 128)), accuracy: 1e-9, "one ε for the sparse layers")
        let kept = 36 * densities[0] + 288 * densities[1] + 2048 * dense
        XCTAssertEqual(kept, 0.3 * Double(36 + 288 + 2048), accuracy: 1e-6)
        XCTAssertGreaterThan(epsilon * raw[0], 1)
        // ε mode: ERK's density at the run's ε, capped at 1.
        let byEpsilon = try layout("c4-c8-p-16-10", ", sparse-epsilon: 3").convolutionDensities.map(\.density)
        XCTAssertEqual(byEpsilon[0], 3 * raw[0], accuracy: 1e-12)
        XCTAssertEqual(byEpsilon[1], 3 * raw[1], accuracy: 1e-12)
        XCTAssertEqual(try layout("c4-c8-p-16-10", ", sparse-epsilon: 4").convolutionDensities.map(\.density)[0], 1, "capped")
        // ResNet-20: no sparse Dense layer (its `linear` stays dense), every convolution a density.
        let resnet = try layout("resnet20", ", sparse-density: 0.1")
        XCTAssertFalse(resnet.architecture.layers.contains { if case .sparseDense = $0 { true } else { false } })
        XCTAssertEqual(resnet.convolutionDensities.count, 21)
    }

    /// A min-width no pruned layer can keep is refused before any run; so is --min-width 0.
    func testMinimumWidthIsCheckedUpFront() throws {
        let bad = try writeStudy("caption: W\nsettings: {procedure: neuron-prune, dataset: synthetic, arch: 64-16-10, min-width: 20}\nseeds: [1, 2, 3]\ntables: [{rows: procedure, metric: test_accuracy}]\n")
        XCTAssertThrowsError(try RunCommand.parse([bad, "--results", directory.path("w")]).run()) {
            XCTAssertTrue("\($0)".contains("min-width: layers.0 keeps 8 of its 16 neurons at ratio 0.5, fewer than min-width 20"), "\($0)")
        }
        XCTAssertThrowsError(try PruneCommand.parse(["--model", "m", "--granularity", "neuron", "--scorer", "magnitude", "--min-width", "0", "--output", "o"])) {
            XCTAssertTrue("\($0)".contains("--min-width: 0 must be at least 1") || PruneCommand.message(for: $0).contains("--min-width: 0 must be at least 1"), "\(PruneCommand.message(for: $0))")
        }
    }

    /// A result file edited to hold a number no run can produce, or another run's result under
    /// this run's name, is not believed: the report leaves it out and `run` reruns it.
    func testTamperedAndForeignResultsAreNotBelieved() throws {
        let file = try writeStudy()
        let results = directory.path("runs")
        try RunCommand.parse([file, "--results", results]).run()
        let store = RunStore(directory: URL(fileURLWithPath: results))
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file)))
        let (edited, foreign, source) = (planned[0], planned[1], planned[2])
        func json(_ run: PlannedRun) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: store.url(of: run.hash))) as! [String: Any]
        }
        var a = try json(edited)
        var metrics = a["metrics"] as! [String: Any]
        metrics["test_accuracy"] = 5.0
        a["metrics"] = metrics
        try JSONSerialization.data(withJSONObject: a).write(to: store.url(of: edited.hash))
        var b = try json(source)
        b["hash"] = foreign.hash
        try JSONSerialization.data(withJSONObject: b).write(to: store.url(of: foreign.hash))
        guard case .invalid(let p1) = store.lookup(edited), case .invalid(let p2) = store.lookup(foreign) else {
            return XCTFail("both files must be refused")
        }
        XCTAssertTrue(p1.contains("metric test_accuracy = 5.0 cannot be a result"), p1)
        XCTAssertTrue(p2.contains("its settings are not this run's"), p2)
        let report = StudyReport(spec: try StudySpec.load(path: file), store: store)
        XCTAssertEqual(Set(report.missing.map(\.hash)), [edited.hash, foreign.hash])
        XCTAssertEqual(report.invalid.count, 2)
        let (status, _, stderr) = try runGraphprune(["run", file, "--results", results])
        XCTAssertEqual(status, 0, stderr)
        for run in [edited, foreign] {
            guard case .done = store.lookup(run) else { return XCTFail("rerun") }
            // The refused file is kept beside the new result, and named in the output.
            XCTAssertTrue(stderr.contains("\(store.url(of: run.hash).path): "), stderr)
            XCTAssertTrue(stderr.contains("moved to \(run.hash).json.rejected, rerunning"), stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: store.url(of: run.hash).path + ".rejected"))
        }
        let edits = try Data(contentsOf: URL(fileURLWithPath: store.url(of: edited.hash).path + ".rejected"))
        XCTAssertTrue(String(decoding: edits, as: UTF8.self).contains("5"))
    }

    /// Sizes that cannot be held are refused up front: by `bench --size`, and by a study's dry
    /// run as by its run (issue 17, item 1).
    func testSizesBeyondMemoryAreRefusedUpFront() throws {
        var (status, _, stderr) = try runGraphprune(["bench", "--size", "9223372036854775807"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(stderr.hasPrefix("Error: --size: a 9223372036854775807 × 9223372036854775807 layer and its similarity graphs need more than"), stderr)
        let file = try writeStudy(study.replacingOccurrences(of: "arch: 64-16-10", with: "arch: 64-1000000000-10"))
        for extra in [["--dry-run"], []] {
            (status, _, stderr) = try runGraphprune(["run", file, "--results", directory.path("huge")] + extra)
            XCTAssertNotEqual(status, 0)
            XCTAssertTrue(stderr.hasPrefix("Error: \(file): cell ") && stderr.contains("1000000000"), stderr)
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path("huge")))
    }
}
