import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneCLI

/// The CLI contract, in process (parsing and outputs) and as a process (exit status, the one
/// error line on stderr, no output file on failure).
final class CommandLineTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-cli") }

    override func tearDown() { directory = nil }

    private func path(_ name: String) -> String { directory.path(name) }

    private func write(_ text: String, _ name: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    private func csvRows(_ file: String) throws -> [[String]] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    }

    private func runBinary(_ arguments: [String]) throws -> (Int32, String, String) { try runGraphprune(arguments) }

    func testTrainSamplesKeepsTheFirstTrainingSamples() throws {
        let whole = try DatasetOptions.parse(["--dataset", "synthetic"]).load(seed: 3)
        let first = try DatasetOptions.parse(["--dataset", "synthetic", "--train-samples", "50"]).load(seed: 3)
        XCTAssertEqual(first.train.count, 50)
        XCTAssertEqual(first.test.count, whole.test.count)
        XCTAssertEqual(first.train.labels, Array(whole.train.labels.prefix(50)))
        XCTAssertThrowsError(try DatasetOptions.parse(["--dataset", "synthetic", "--train-samples=-1"]).load(seed: 3)) {
            XCTAssertTrue("\($0)".contains("--train-samples"), "\($0)")
        }
    }

    func testCentralityOfAStarFromCSVAndMatrixMarket() throws {
        let csv = try write("source,target,weight\n0,1,1\n0,2,1\n0,3,1\n", "star.csv")
        let mtx = try write("%%MatrixMarket matrix coordinate pattern symmetric\n4 4 3\n2 1\n3 1\n4 1\n", "star.mtx")
        for input in [csv, mtx] {
            let out = path("c.csv")
            try CentralityCommand.parse(["--input", input, "--measure", "laplacian", "--output", out]).run()
            XCTAssertEqual(try csvRows(out), [["node", "score"], ["0", "18"], ["1", "8"], ["2", "8"], ["3", "8"]])
        }
        let out = path("e.csv")
        try CentralityCommand.parse(["--input", csv, "--measure", "eigenvector", "--output", out]).run()
        let center = Double(try csvRows(out)[1][1])!
        XCTAssertEqual(center, 1 / 2.0.squareRoot(), accuracy: 1e-15)
        try CentralityCommand.parse(["--input", csv, "--measure", "degree", "--normalized", "--output", out]).run()
        XCTAssertEqual(try csvRows(out)[1], ["0", "1"])
    }

    func testScoreWritesRanksAndKeptFromNpyAndSafetensors() throws {
        // Rows are neurons; neuron 2 is the largest, neuron 0 the smallest.
        let weights = Matrix<Float>([[0.1, 0], [1, 1], [3, 4], [0, 2]])
        let npy = path("w.npy")
        try NumPyFile.write(Tensor(weights), to: URL(fileURLWithPath: npy))
        let out = path("s.csv")
        try ScoreCommand.parse(["--weights", npy, "--scorer", "magnitude", "--prune-ratio", "0.5", "--output", out]).run()
        let rows = try csvRows(out)
        XCTAssertEqual(rows[0], ["neuron", "score", "rank", "kept"])
        XCTAssertEqual(rows.dropFirst().map { [$0[0], $0[2], $0[3]] }, [["0", "3", "0"], ["1", "2", "0"], ["2", "0", "1"], ["3", "1", "1"]])
        XCTAssertEqual(Double(rows[3][1])!, 5, accuracy: 1e-6)

        // The same layer as a Keras kernel (in × out) inside a safetensors file with two tensors.
        let st = path("m.safetensors")
        try SafetensorsFile.write(["dense.kernel": Tensor(weights.transposed()), "dense.bias": Tensor(Matrix<Float>([[0, 0, 0, 0]]))], to: URL(fileURLWithPath: st))
        let out2 = path("s2.csv")
        try ScoreCommand.parse(["--weights", st, "--tensor", "dense.kernel", "--neurons", "columns", "--scorer", "magnitude", "--prune-ratio", "0.5", "--output", out2]).run()
        XCTAssertEqual(try String(contentsOfFile: out2, encoding: .utf8), try String(contentsOfFile: out, encoding: .utf8))

        // --figure draws the layer (paper 002's Fig. 2): two of the four units kept.
        let svg = path("f.svg")
        try ScoreCommand.parse(["--weights", npy, "--scorer", "magnitude", "--prune-ratio", "0.5", "--output", path("s3.csv"), "--figure", svg]).run()
        let figure = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertEqual(figure.components(separatedBy: "data:image/png;base64,").count - 1, 3)
        XCTAssertEqual(figure.components(separatedBy: "class=\"bar kept\"").count - 1, 2)
        XCTAssertThrowsError(try ScoreCommand.parse(["--weights", npy, "--scorer", "magnitude", "--output", path("s4.csv"), "--figure", "/nonexistent/dir/f.svg"]).run()) {
            XCTAssertTrue("\($0)".hasPrefix("--figure"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("s4.csv")), "nothing written when the figure cannot be")
    }

    /// A convolution's weights (PyTorch F × C × kh × kw) are read with the filters as neurons.
    func testScoreReadsAConvolutionsFiltersAsNeurons() throws {
        let values: [Float] = (0..<24).map { Float($0 % 5) - 2 }
        let st = path("conv.safetensors")
        try SafetensorsFile.write(["conv.weight": Tensor(shape: [3, 2, 2, 2], storage: .float32(values))], to: URL(fileURLWithPath: st))
        let out = path("conv.csv")
        try ScoreCommand.parse(["--weights", st, "--scorer", "magnitude", "--output", out]).run()
        let scores = try csvRows(out).dropFirst().map { Double($0[1])! }
        let expected = (0..<3).map { f in values[(8 * f)..<(8 * f + 8)].reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() }
        XCTAssertClose(scores, expected, tolerance: 1e-6)
        XCTAssertThrowsError(try ScoreCommand.parse(["--weights", st, "--neurons", "columns", "--scorer", "magnitude", "--output", out]).run()) {
            XCTAssertTrue("\($0)".contains("shape [3, 2, 2, 2]") && "\($0)".contains("--neurons rows"), "\($0)")
        }
    }

    func testEveryGraphScorerRunsOnALayer() throws {
        let npy = path("w.npy")
        try NumPyFile.write(Tensor(TestData.matrix(40, 12, seed: 3)), to: URL(fileURLWithPath: npy))
        for scorer in ScorerRegistry.standard.names {
            let out = path("\(scorer).csv")
            try ScoreCommand.parse(["--weights", npy, "--scorer", scorer, "--tau", "0.1", "--seed", "4", "--output", out]).run()
            let rows = try csvRows(out)
            XCTAssertEqual(rows.count, 41, scorer)
            XCTAssertEqual(Set(rows.dropFirst().map { $0[2] }), Set((0..<40).map(String.init)), scorer)
        }
    }

    func testBadInputGivesOneLineAndNoOutputFile() throws {
        let npy = path("w.npy")
        try NumPyFile.write(Tensor(Matrix<Float>([[1, 2], [3, 4]])), to: URL(fileURLWithPath: npy))
        var nanLayer = Matrix<Float>([[1, 2], [3, 4]])
        nanLayer[1, 0] = .nan
        let nan = path("nan.npy")
        try NumPyFile.write(Tensor(nanLayer), to: URL(fileURLWithPath: nan))
        let cube = path("cube.npy")
        try NumPyFile.write(Tensor(shape: [2, 1, 2], storage: .float32([1, 2, 3, 4])), to: URL(fileURLWithPath: cube))
        let truncated = try write("\u{93}NUMPY", "t.npy")
        let badGraph = try write("0,1,1\n2,-1,1\n", "g.csv")
        let out = path("never.csv")

        let cases: [([String], String)] = [
            (["score", "--weights", npy, "--scorer", "pagerank"], "--scorer"),
            (["score", "--weights", npy, "--scorer", "eigenvector", "--tau", "1"], "--tau"),
            (["score", "--weights", npy, "--scorer", "eigenvector", "--tau", "-1.5"], "--tau"),
            (["score", "--weights", npy, "--scorer", "random", "--prune-ratio", "1"], "--prune-ratio"),
            (["score", "--weights", npy, "--scorer", "random", "--prune-ratio", "-0.1"], "--prune-ratio"),
            (["score", "--weights", nan, "--scorer", "magnitude"], nan),
            (["score", "--weights", cube, "--scorer", "magnitude", "--neurons", "columns"], cube),
            (["score", "--weights", truncated, "--scorer", "magnitude"], truncated),
            (["score", "--weights", path("missing.npy"), "--scorer", "magnitude"], "missing.npy"),
            (["centrality", "--input", badGraph, "--measure", "degree"], "line 2"),
            (["centrality", "--input", npy, "--measure", "degree"], npy),
            (["score", "--weights", npy, "--scorer", "magnitude", "--tau", "abc"], "--tau"),
            (["score", "--scorer", "magnitude"], "--weights"),
            (["score", "--weights", npy, "--scorer", "magnitude", "--neurons", "diagonal"], "--neurons"),
        ]
        for (arguments, fragment) in cases {
            let (status, stdout, stderr) = try runBinary(arguments + ["--output", out])
            XCTAssertNotEqual(status, 0, "\(arguments)")
            XCTAssertEqual(stdout, "", "\(arguments)")
            let lines = stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(stderr)")
            XCTAssertTrue(stderr.contains(fragment), "\(arguments): \(stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(arguments)")
        }
    }

    func testSuccessfulRunPrintsOneSummaryLine() throws {
        let npy = path("w.npy")
        try NumPyFile.write(Tensor(TestData.matrix(30, 8, seed: 1)), to: URL(fileURLWithPath: npy))
        let (status, stdout, stderr) = try runBinary(["score", "--weights", npy, "--scorer", "eigenvector", "--tau", "0"])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertEqual(stdout.split(separator: "\n").count, 31)
        XCTAssertTrue(stderr.hasPrefix("eigenvector: nodes 30, edges "), stderr)
        XCTAssertTrue(stderr.contains("components"), stderr)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1)
        let (_, _, laplacian) = try runBinary(["score", "--weights", npy, "--scorer", "laplacian", "--tau", "0"])
        XCTAssertNotNil(laplacian.range(of: "components [0-9]+, solver iterations 0", options: .regularExpression), laplacian)
        XCTAssertFalse(laplacian.contains("n/a"), laplacian)
    }
}
