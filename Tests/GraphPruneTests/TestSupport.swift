import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs

/// Seeded random inputs and brute-force helpers shared by the tests.
enum TestData {
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Double> {
        var g = SplitMix64(seed: seed)
        return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in g.nextUnitDouble() * 2 - 1 })
    }

    static func symmetric(_ n: Int, seed: UInt64) -> Matrix<Double> {
        let a = matrix(n, n, seed: seed)
        var s = Matrix<Double>(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { s[i, j] = a[i, j] + a[j, i] } }
        return s
    }

    /// A random graph: each pair is an edge with probability `p`, weight in (0.1, 1.1] (or signed).
    static func graph(_ n: Int, p: Double, seed: UInt64, signed: Bool = false) -> WeightedGraph {
        var g = SplitMix64(seed: seed)
        var edges = [WeightedEdge]()
        for i in 0..<n {
            for j in (i + 1)..<n where g.nextUnitDouble() < p {
                let w = 0.1 + g.nextUnitDouble()
                edges.append(WeightedEdge(i, j, signed && g.nextUnitDouble() < 0.3 ? -w : w))
            }
        }
        return try! WeightedGraph(EdgeList(nodeCount: n, edges: edges), name: "test")
    }

    static func graph(_ n: Int, _ edges: [(Int, Int, Double)]) -> WeightedGraph {
        try! WeightedGraph(EdgeList(nodeCount: n, edges: edges.map { WeightedEdge($0.0, $0.1, $0.2) }), name: "test")
    }

    static func star(_ leaves: Int) -> WeightedGraph { graph(leaves + 1, (1...leaves).map { (0, $0, 1) }) }
    static func path(_ n: Int) -> WeightedGraph { graph(n, (0..<(n - 1)).map { ($0, $0 + 1, 1) }) }
    static func complete(_ n: Int) -> WeightedGraph {
        graph(n, (0..<n).flatMap { i in ((i + 1)..<n).map { (i, $0, 1.0) } })
    }
}

func XCTAssertClose(
    _ a: [Double], _ b: [Double], tolerance: Double, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "lengths differ " + message, file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "max |a − b| = \(worst) " + message, file: file, line: line)
}

/// A fresh directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init(_ prefix: String = "graphprune-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Runs the built `graphprune` binary (next to the test bundle) with `arguments`, optionally in
/// `directory`; returns (status, stdout, stderr).
func runGraphprune(_ arguments: [String], in directory: URL? = nil) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = try graphpruneBinary()
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Both pipes are drained at once: a process that fills one while the other is read would
    // block forever.
    nonisolated(unsafe) var e = Data()
    let errorRead = DispatchGroup()
    DispatchQueue.global().async(group: errorRead) { e = err.fileHandleForReading.readDataToEndOfFile() }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    errorRead.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The built `graphprune` executable. On Linux the test bundle's URL is the products directory;
/// on macOS it is the .xctest.
func graphpruneBinary() throws -> URL {
    let bundle = Bundle(for: TemporaryDirectory.self).bundleURL
    return [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("graphprune") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? bundle.appendingPathComponent("graphprune")
}
