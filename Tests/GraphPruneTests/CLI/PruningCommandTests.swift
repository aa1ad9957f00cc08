import Foundation
import XCTest
@testable import GraphPruneNetwork
@testable import GraphPrunePruning
@testable import GraphPruneCLI

/// The `prune`, `finetune` and `train --sparse` contracts, in process and as a process.
final class PruningCommandTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-prune") }
    override func tearDown() { directory = nil }

    private func path(_ name: String) -> String { directory.path(name) }

    /// A small trained model on the synthetic set.
    private func trainedModel() throws -> String {
        let model = path("m.safetensors")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-12-10", "--epochs", "1", "--seed", "3", "--save", model]).run()
        return model
    }

    func testNeuronPruningWritesASmallerModelThatLoadsAndEvaluates() throws {
        let model = try trainedModel()
        let out = path("p.safetensors")
        try PruneCommand.parse(["--model", model, "--granularity", "neuron", "--scorer", "magnitude", "--ratio", "0.5", "--output", out]).run()
        let (pruned, metadata) = try ModelCheckpoint.load(URL(fileURLWithPath: out))
        XCTAssertEqual(pruned.architecture.sizes, [64, 8, 8, 8, 6, 6, 6, 10], "both hidden layers halved")
        XCTAssertEqual(ModelCost(pruned).parameters, 64 * 8 + 8 + 8 * 6 + 6 + 6 * 10 + 10)
        XCTAssertTrue(metadata["pruning"]?.contains("--ratio 0.5") ?? false)
        try FinetuneCommand.parse(["--model", out, "--dataset", "synthetic", "--epochs", "1", "--classes", "5-9", "--shots", "4", "--save", path("f.safetensors")]).run()
        XCTAssertEqual(try ModelCheckpoint.load(URL(fileURLWithPath: path("f.safetensors"))).model.architecture.sizes.last, 5, "a new head for 5 classes")
    }

    /// A ResNet-20 on the synthetic set's 1 × 1 × 64 samples: inspected, pruned over its
    /// dependency groups, evaluated.
    func testResNetInspectPruneEvaluate() throws {
        let model = path("r.safetensors")
        let architecture = try Architecture.parse("resnet20", inputShape: [1, 1, 64])
        try ModelCheckpoint.save(Network(architecture: architecture, initializer: .kaimingNormal, seed: 2), to: URL(fileURLWithPath: model))
        let text = InspectCommand.describe(try ModelCheckpoint.load(URL(fileURLWithPath: model)).model)
        XCTAssertTrue(text.hasPrefix("resnet20 1×1×64 → 10 (72 nodes): 272186 parameters"), text)
        XCTAssertTrue(text.contains("layer1.0.add"))
        XCTAssertTrue(text.contains("producers: conv1, layer1.0.conv2, layer1.1.conv2, layer1.2.conv2"), text)
        let out = path("rp.safetensors")
        try PruneCommand.parse(["--model", model, "--granularity", "neuron", "--layers", "conv", "--scorer", "eigenvector", "--tau", "0.2", "--ratio", "0.5", "--output", out]).run()
        let pruned = try ModelCheckpoint.load(URL(fileURLWithPath: out)).model
        XCTAssertEqual(pruned.architecture.names, architecture.names)
        XCTAssertEqual(try pruned.architecture.shapes().last, [1, 1, 10])
        XCTAssertLessThan(ModelCost(pruned).parameters, 272186 / 4 + 1000, "every group halved: about a quarter of the parameters")
        XCTAssertLessThan(ModelCost(pruned).flops, ModelCost(try ModelCheckpoint.load(URL(fileURLWithPath: model)).model).flops / 3)
        try EvaluateCommand.parse(["--model", out, "--dataset", "synthetic"]).run()
        XCTAssertThrowsError(try PruneCommand.parse(["--model", model, "--granularity", "neuron", "--layers", "linear", "--scorer", "magnitude", "--ratio", "0.5", "--output", path("x.safetensors")]).run()) {
            XCTAssertTrue("\($0)".contains("linear"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
    }

    func testEdgePruningKeepsTheExactCountAndRewinds() throws {
        let model = try trainedModel()
        let initial = path("init.safetensors")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-12-10", "--epochs", "1", "--seed", "3", "--lr", "1e-9", "--save", initial]).run()
        let out = path("e.safetensors")
        try PruneCommand.parse(["--model", model, "--granularity", "edge", "--scorer", "magnitude", "--density", "0.25", "--method", "greedy", "--rewind-to", initial, "--output", out]).run()
        let (pruned, _) = try ModelCheckpoint.load(URL(fileURLWithPath: out))
        let sparse = pruned.layers.compactMap { $0 as? SparseDense }
        XCTAssertEqual(sparse.map(\.connectionCount), [256, 48, 30], "round(0.25 · m) per layer")
    }

    func testBadRequestsAreOneLineErrorsWithoutOutput() throws {
        let model = try trainedModel()
        let out = path("never.safetensors")
        let cases: [([String], String)] = [
            (["--granularity", "neuron", "--scorer", "magnitude"], "--ratio"),
            (["--granularity", "neuron", "--scorer", "magnitude", "--ratio", "1.0"], "--ratio"),
            (["--granularity", "neuron", "--scorer", "magnitude", "--ratio", "0.5", "--density", "0.5"], "--density"),
            (["--granularity", "neuron", "--scorer", "pagerank", "--ratio", "0.5"], "--scorer"),
            (["--granularity", "neuron", "--scorer", "magnitude", "--ratio", "0.5", "--layers", "layers.6"], "--layers"),
            (["--granularity", "neuron", "--scorer", "magnitude", "--ratio", "0.99", "--min-width", "2"], "layers.0"),
            (["--granularity", "edge", "--scorer", "snip", "--density", "0.5"], "--dataset"),
            (["--granularity", "edge", "--scorer", "magnitude", "--density", "0"], "--density"),
        ]
        for (arguments, fragment) in cases {
            let (status, stdout, stderr) = try runGraphprune(["prune", "--model", model, "--output", out] + arguments)
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertTrue(stderr.hasPrefix("Error: ") && stderr.contains(fragment), "\(arguments): \(stderr)")
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            XCTAssertEqual(stdout, "")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
    }

    func testSparseTrainingLogsRewiring() throws {
        let log = path("log.csv")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-32-16-10", "--epochs", "3", "--sparse", "set", "--zeta", "0.3", "--log", log]).run()
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = rows[0].map(String.init)
        let removed = header.firstIndex(of: "removed")!, regrown = header.firstIndex(of: "regrown")!
        XCTAssertGreaterThan(Int(rows[1][removed])!, 0)
        XCTAssertEqual(rows[1][removed], rows[1][regrown], "SET regrows what it removes")
        XCTAssertEqual(rows[3][removed], "", "nothing is rewired after the last epoch")
        let (status, _, stderr) = try runGraphprune(["train", "--dataset", "synthetic", "--arch", "64-10", "--epochs", "1", "--sparse", "set", "--zeta", "1.5"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(stderr.contains("--zeta"), stderr)
    }
}

extension PruningCommandTests {
    /// `lottery` from initial weights saved by `train --epochs 0`: each level's model keeps
    /// `round((1 − p) · previous)` weights, and bad options are one line.
    func testLotteryLevelsFromSavedInitialWeights() throws {
        let directory = try TemporaryDirectory("graphprune-lottery")
        let initial = directory.path("init.safetensors")
        try TrainCommand.parse(["--dataset", "synthetic", "--arch", "64-16-10", "--epochs", "0", "--seed", "3", "--save", initial]).run()
        try LotteryCommand.parse([
            "--model", initial, "--dataset", "synthetic", "--epochs", "2", "--levels", "2", "--pruning-fraction", "0.5",
            "--rewind-epoch", "1", "--seed", "3", "--save-dir", directory.url.path,
        ]).run()
        var remaining = 64 * 16 + 16 * 10
        for k in 0...2 {
            let model = try ModelCheckpoint.load(directory.url.appendingPathComponent("level-\(k).safetensors")).model
            if k > 0 { remaining = Int((0.5 * Double(remaining)).rounded()) }
            XCTAssertEqual(model.layers.compactMap { $0.maskedConnections ?? $0.connections?.weight.elements.count }.reduce(0, +), remaining, "level \(k)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path("rewind.safetensors")))
        XCTAssertThrowsError(try LotteryCommand.parse(["--model", initial, "--dataset", "synthetic", "--epochs", "2", "--levels", "1", "--rewind-epoch", "2"]).run()) {
            XCTAssertTrue("\($0)".hasPrefix("--rewind-epoch: 2 leaves no epoch to retrain"), "\($0)")
        }
        XCTAssertThrowsError(try LotteryCommand.parse(["--model", initial, "--dataset", "synthetic", "--epochs", "2", "--levels", "1", "--pruning-fraction", "1"]))
    }
}
