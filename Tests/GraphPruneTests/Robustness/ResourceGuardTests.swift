import Foundation
import XCTest
@testable import GraphPruneExperiments
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPruneNumerics

/// Sizes read from files and settings are checked before anything is allocated (issue 17,
/// items 1, 2 and 8): each gives one error line saying what it needs, never an allocation
/// failure, an overflow trap or minutes of work.
final class ResourceGuardTests: XCTestCase {
    func testMemoryBudgetArithmetic() throws {
        XCTAssertEqual(MemoryBudget.bytes([3, 5], each: 8), 120)
        XCTAssertNil(MemoryBudget.bytes([Int.max, 2], each: 1))
        XCTAssertNil(MemoryBudget.bytes([-1], each: 1))
        XCTAssertNoThrow(try MemoryBudget.require([1024], bytesEach: 1024, for: "a mebibyte"))
        XCTAssertThrowsError(try MemoryBudget.require([MemoryBudget.availableBytes, 2], bytesEach: 1, for: "twice the memory")) {
            XCTAssertTrue("\($0)".hasPrefix("twice the memory need "), "\($0)")
        }
        XCTAssertEqual(MemoryBudget.describe(512), "512 bytes")
        XCTAssertEqual(MemoryBudget.describe(3 << 30), "3.0 GiB")
    }

    /// A 63-byte file declaring 10¹² nodes (or 2⁶³ − 1) is refused before the CSR is built.
    func testGraphFilesDeclaringHugeNodeCounts() throws {
        for nodes in ["1000000000000", "9223372036854775807", "100000000"] {
            let text = "%%MatrixMarket matrix coordinate pattern general\n\(nodes) \(nodes) 1\n1 2\n"
            let list = try MatrixMarketFile.readGraph(text: text, name: "big.mtx")
            let needed = MemoryBudget.bytes([list.nodeCount], each: WeightedGraph.bytesPerNode)
            guard needed == nil || needed! > MemoryBudget.availableBytes else { continue }
            XCTAssertThrowsError(try WeightedGraph(list, name: "big.mtx")) { error in
                XCTAssertTrue("\(error)".contains("big.mtx"), "\(error)")
                XCTAssertTrue("\(error)".contains("\(nodes) nodes need"), "\(error)")
            }
        }
        XCTAssertThrowsError(try EdgeListCSVFile.readGraph(text: "0,\(Int.max)\n", name: "ids.csv")) {
            XCTAssertTrue("\($0)".contains("ids.csv"), "\($0)")
        }
        let list = try EdgeListCSVFile.readGraph(text: "0,999999999999\n", name: "ids.csv")
        XCTAssertThrowsError(try WeightedGraph(list, name: "ids.csv")) { XCTAssertTrue("\($0)".contains("1000000000000 nodes need"), "\($0)") }
    }

    /// `--arch 64-1000000000-10`: refused by validation, in words, before a weight is allocated.
    func testArchitectureTooLargeForMemory() throws {
        for text in ["64-1000000000-10", "64-9223372036854775807-10"] {
            XCTAssertThrowsError(try Architecture.parse(text, inputShape: [1, 1, 64]).validate()) {
                XCTAssertTrue("\($0)".contains("1000000000") || "\($0)".contains("9223372036854775807"), "\($0)")
            }
        }
        // Under the parameter limit but beyond this machine's memory (four floats a parameter).
        let width = MemoryBudget.availableBytes / 16 / 1000 + 1
        guard width * 1000 <= Architecture.parameterLimit else { throw XCTSkip("this machine holds \(Architecture.parameterLimit) parameters") }
        XCTAssertThrowsError(try Architecture.parse("1000-\(width)", inputShape: [1, 1, 1000]).validate()) { XCTAssertTrue("\($0)".contains("of memory is available"), "\($0)") }
    }

    /// A gzip bomb: an IDX header declaring 10 images of 28 × 28 followed by 64 MiB of zeros
    /// stops at the declared size instead of inflating everything.
    func testGzipBombStopsAtTheDeclaredIDXSize() throws {
        let header = DataFixtures.bigEndian(0x803) + DataFixtures.bigEndian(10) + DataFixtures.bigEndian(28) + DataFixtures.bigEndian(28)
        let bomb = DataFixtures.gzip(header + [UInt8](repeating: 0, count: 64 << 20))
        XCTAssertLessThan(bomb.count, 1 << 17)
        try DataFixtures.withDirectory { directory in
            let url = try DataFixtures.write(bomb, to: directory, "train-images-idx3-ubyte.gz")
            XCTAssertThrowsError(try IDXFile.readImages(url)) { error in
                XCTAssertEqual("\(error)", "\(url.path): decompresses to more than 7856 bytes, the most its IDX header (7856 bytes) allows")
            }
            // The same header with exactly its data reads.
            let good = try DataFixtures.write(DataFixtures.gzip(DataFixtures.idxImages(count: 10, rows: 28, cols: 28)), to: directory, "ok.gz")
            XCTAssertEqual(try IDXFile.readImages(good).count, 10)
            // A header declaring more than memory holds is refused before inflating.
            let huge = DataFixtures.bigEndian(0x803) + DataFixtures.bigEndian(.max) + DataFixtures.bigEndian(.max) + DataFixtures.bigEndian(.max)
            let hugeURL = try DataFixtures.write(DataFixtures.gzip(huge), to: directory, "huge.gz")
            XCTAssertThrowsError(try IDXFile.readImages(hugeURL)) { XCTAssertTrue("\($0)".contains("of memory is available"), "\($0)") }
        }
        XCTAssertEqual(try GzipFile.prefix(Data(DataFixtures.gzip([1, 2, 3, 4, 5])), count: 3, name: "p.gz"), Data([1, 2, 3]))
        XCTAssertEqual(try GzipFile.prefix(Data(DataFixtures.gzip([1, 2])), count: 3, name: "p.gz"), Data([1, 2]))
    }

    /// A 10 KB study expanding to 10⁸ runs is refused from its counts, before expansion; with
    /// `max-runs` a large grid is confirmed.
    func testStudyGridSizeIsCheckedBeforeExpansion() throws {
        let values = (1...100).map(String.init).joined(separator: ", ")
        let yaml = """
            settings: {procedure: train}
            axes: {epochs: [\(values)], batch: [\(values)], train-samples: [\(values)]}
            seeds: [\(values)]
            """
        let started = Date()
        XCTAssertThrowsError(try StudySpec.parse(yaml: yaml, file: "huge.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("huge.yaml: axes (line 2): the grid expands to 100000000 runs, more than the 100000"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let confirmed = try StudySpec.parse(yaml: """
            settings: {procedure: train}
            axes: {epochs: [1, 2, 3]}
            seeds: [1, 2]
            max-runs: 6
            """, file: "six.yaml")
        XCTAssertEqual(StudyGrid.expand(confirmed).count, 6)
        XCTAssertThrowsError(try StudySpec.parse(yaml: "settings: {procedure: train}\naxes: {epochs: [1, 2, 3]}\nseeds: [1, 2]\nmax-runs: 5\n", file: "five.yaml"))
    }

    /// Seeds take the range `--seed` takes: up to 2⁶⁴ − 1.
    func testStudySeedsUpTo64Bits() throws {
        let spec = try StudySpec.parse(yaml: "settings: {procedure: train}\nseeds: [0, 9223372036854775808, 18446744073709551615]\n", file: "s.yaml")
        XCTAssertEqual(spec.seeds, [0, 1 << 63, .max])
        XCTAssertTrue(StudyGrid.expand(spec)[2].settings.canonical.contains("\"seed\":18446744073709551615"))
        for bad in ["18446744073709551616", "-1", "1.5"] {
            XCTAssertThrowsError(try StudySpec.parse(yaml: "settings: {procedure: train}\nseeds: [\(bad)]\n", file: "s.yaml")) {
                XCTAssertTrue("\($0)".contains("seeds[0]"), "\($0)")
            }
        }
    }
}
