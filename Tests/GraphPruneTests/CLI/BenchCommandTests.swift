import XCTest
@testable import GraphPruneInterchange
@testable import GraphPruneNetwork

/// `graphprune bench --workload inference` on a small saved model: one row for the dense model
/// and two for each density, at equal parameter counts; bad options are one error line before
/// any output.
final class BenchCommandTests: XCTestCase {
    func testInferenceBenchTimesTheDenseTheEdgeAndTheNeuronPrunedModel() throws {
        let directory = try TemporaryDirectory()
        let architecture = try Architecture.parse("36-30-20-10", inputShape: [1, 6, 6], dropout: 0.3)
        try ModelFile.save(Network(architecture: architecture, initializer: .glorotUniform, seed: 4), to: URL(fileURLWithPath: directory.path("m.safetensors")))
        let (status, stdout, stderr) = try runGraphprune(["bench", "--workload", "inference", "--model", directory.path("m.safetensors"), "--densities", "0.5,0.1"])
        XCTAssertEqual(status, 0, stderr)
        let rows = stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst()  // the column header
        let labels = rows.map { String($0.prefix(44)).trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(labels.count, 5, stdout)
        XCTAssertEqual(labels[0], "m.safetensors dense")
        XCTAssertEqual([labels[1], labels[3]], ["edge q = 0.5", "edge q = 0.1"])
        XCTAssertTrue(labels[2].hasPrefix("neuron ratio 0.") && labels[4].hasPrefix("neuron ratio 0."), stdout)
        // Parameters: dense 36·30+30 + 30·20+20 + 20·10+10 = 1940; each neuron row within a
        // unit's parameters of its edge row.
        let parameters = rows.map { row in Int(row.dropFirst(44).split(separator: " ")[0])! }
        XCTAssertEqual(parameters[0], 1940)
        XCTAssertLessThan(abs(parameters[1] - parameters[2]), 60)
        XCTAssertLessThan(abs(parameters[3] - parameters[4]), 60)
        for row in rows {
            let numbers = row.dropFirst(44).split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(numbers.count, 5, String(row))
            XCTAssertTrue(numbers.allSatisfy { $0.isFinite && $0 > 0 }, String(row))
        }
    }

    func testInferenceBenchRefusesBadOptionsInOneLine() throws {
        for (arguments, message) in [
            (["--densities", "0.5,1.5"], "Error: --densities: '1.5' is not a density in (0, 1]"),
            (["--model", "/nonexistent/m.safetensors"], "Error: --model: /nonexistent/m.safetensors: no such readable file"),
        ] {
            let (status, stdout, stderr) = try runGraphprune(["bench", "--workload", "inference"] + arguments)
            XCTAssertNotEqual(status, 0)
            XCTAssertEqual(stdout, "")
            XCTAssertEqual(stderr, message + "\n")
        }
    }
}
