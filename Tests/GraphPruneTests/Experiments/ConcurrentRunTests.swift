import Foundation
import XCTest
@testable import GraphPruneExperiments
@testable import GraphPruneCLI

/// Claims, concurrent runners, workers that die with their parent, and diverged runs recorded
/// as failures (issue 17, items 3 and 5).
final class ConcurrentRunTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-claims") }
    override func tearDown() { directory = nil }

    private func writeStudy(_ text: String) throws -> String {
        let path = directory.path("study.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private let tiny = """
        settings: {procedure: train, dataset: synthetic, arch: 64-16-10, epochs: 1}
        axes: {batch: [50, 100]}
        seeds: [1, 2, 3]
        tables: [{rows: batch, metric: test_accuracy}]
        """

    func testOneClaimWinsAmongConcurrentClaimers() throws {
        let claims = RunClaims(directory: directory.url)
        let winners = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if case .success? = try? claims.claim("abc") { winners.increment() }
        }
        XCTAssertEqual(winners.value, 1)
        guard case .failure(let held) = try claims.claim("abc") else { return XCTFail("claimed twice") }
        XCTAssertEqual(held.holder?.pid, getpid())
        XCTAssertEqual(claims.holder(of: "abc")?.pid, getpid())
        // No temporary claim files are left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.url.path), ["abc.claim"])
    }

    func testReleaseAllowsANewClaim() throws {
        let claims = RunClaims(directory: directory.url)
        guard case .success(let claim) = try claims.claim("run1") else { return XCTFail("not claimed") }
        claim.release()
        XCTAssertFalse(FileManager.default.fileExists(atPath: claims.url(of: "run1").path))
        guard case .success(let again) = try claims.claim("run1") else { return XCTFail("not claimed again") }
        again.release()
    }

    /// A claim of a process that is gone (this host) or whose heartbeat stopped (another host)
    /// is taken over; a live one is not.
    func testStaleClaimsAreTakenOver() throws {
        let claims = RunClaims(directory: directory.url, staleAfter: 300)
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        func plant(_ hash: String, host: String, pid: Int32, age: TimeInterval) throws {
            let holder = RunClaims.Holder(host: host, pid: pid, nonce: UUID().uuidString)
            let url = claims.url(of: hash)
            try JSONEncoder().encode(holder).write(to: url)
            var times = [timeval(tv_sec: time(nil) - Int(age), tv_usec: 0), timeval(tv_sec: time(nil) - Int(age), tv_usec: 0)]
            XCTAssertEqual(utimes(url.path, &times), 0)
        }
        let here = ProcessInfo.processInfo.hostName
        try plant("dead", host: here, pid: ended.processIdentifier, age: 0)
        try plant("silent", host: "elsewhere.example", pid: 1, age: 600)
        try plant("alive", host: "elsewhere.example", pid: 1, age: 10)
        try plant("mine", host: here, pid: getpid(), age: 0)
        for hash in ["dead", "silent"] {
            guard case .success(let claim) = try claims.claim(hash) else { return XCTFail("\(hash) was not taken over") }
            XCTAssertEqual(claim.holder.pid, getpid())
            claim.release()
        }
        for hash in ["alive", "mine"] {
            guard case .failure = try claims.claim(hash) else { return XCTFail("\(hash) was taken over") }
        }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.url.path)), ["alive.claim", "mine.claim"])
    }

    /// Two `run` processes started together on one results directory, unsharded, run every run
    /// exactly once between them.
    func testTwoProcessesOnOneDirectoryRunEachRunOnce() throws {
        let file = try writeStudy(tiny)
        let results = directory.path("runs")
        let logs = (1...2).map { directory.url.appendingPathComponent("log\($0)") }
        let processes = try logs.map { log -> Process in
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let p = Process()
            p.executableURL = try graphpruneBinary()
            p.arguments = ["run", file, "--results", results]
            p.standardError = try FileHandle(forWritingTo: log)
            try p.run()
            return p
        }
        for p in processes { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0) }
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file)))
        let ran = try logs.map { log in
            try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("["), let end = line.firstIndex(of: " ") else { return nil }
                return String(line[line.index(after: end)...].prefix(16))
            }
        }
        XCTAssertEqual((ran[0] + ran[1]).sorted(), planned.map(\.hash).sorted(), "each run once: \(ran)")
        let store = RunStore(directory: URL(fileURLWithPath: results))
        XCTAssertTrue(planned.allSatisfy { store.isDone($0.hash) })
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: results).contains { $0.contains(".claim") })
    }

    /// `run --jobs 2` killed with SIGKILL: its workers end with it, and the next `run` takes
    /// over their claims and finishes the study.
    func testWorkersDieWithTheirParent() throws {
        let file = try writeStudy(tiny.replacingOccurrences(of: "epochs: 1", with: "epochs: 60").replacingOccurrences(of: "seeds: [1, 2, 3]", with: "seeds: [1]"))
        let results = directory.path("runs")
        let parent = Process()
        parent.executableURL = try graphpruneBinary()
        parent.arguments = ["run", file, "--results", results, "--jobs", "2"]
        parent.standardError = FileHandle.nullDevice
        try parent.run()
        let pid = parent.processIdentifier
        func workers() -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap(Int32.init).filter { p in
                guard let data = FileManager.default.contents(atPath: "/proc/\(p)/cmdline") else { return false }
                return String(decoding: data, as: UTF8.self).split(separator: "\0").contains { $0 == "\(pid)" }
                    && String(decoding: data, as: UTF8.self).contains("--parent-pid")
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && ((try? FileManager.default.contentsOfDirectory(atPath: results))?.filter { $0.hasSuffix(".claim") }.count ?? 0) < 2 {
            usleep(50_000)
        }
        XCTAssertEqual(workers().count, 2, "two workers claimed runs")
        kill(pid, SIGKILL)
        parent.waitUntilExit()
        let gone = Date().addingTimeInterval(5)
        while Date() < gone && !workers().isEmpty { usleep(50_000) }
        XCTAssertEqual(workers(), [], "the workers outlived their parent")
        // Their claims remain, of processes that are gone: the next run takes them over.
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: results).filter { $0.hasSuffix(".claim") }.isEmpty)
        let (status, _, stderr) = try runGraphprune(["run", file, "--results", results])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertFalse(stderr.contains("being run by"), stderr)
        let store = RunStore(directory: URL(fileURLWithPath: results))
        XCTAssertTrue(StudyGrid.distinctRuns(StudyGrid.expand(try StudySpec.load(path: file))).allSatisfy { store.isDone($0.hash) })
    }

    /// A run whose training diverges is stored as failed with the reason: `run` exits 0 and does
    /// not repeat it, the report lists it and leaves it out of the table, `--retry-failed` reruns it.
    func testDivergedRunsAreRecordedAndReportedAsFailed() throws {
        let file = try writeStudy("""
            settings: {procedure: train, dataset: synthetic, arch: 64-256-256-10, epochs: 2, momentum: 0.9}
            axes: {lr: [0.01, 10]}
            seeds: [1]
            tables: [{rows: lr, metric: test_accuracy}]
            """)
        let results = directory.path("runs")
        var (status, _, stderr) = try runGraphprune(["run", file, "--results", results])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(stderr.contains("failed: training diverged: the loss is") && stderr.contains("— recorded as the run's outcome"), stderr)
        XCTAssertTrue(stderr.contains("1 runs diverged: recorded as failed"), stderr)
        (status, _, stderr) = try runGraphprune(["run", file, "--results", results])
        XCTAssertTrue(stderr.contains("1 already done, 1 failed before, 0 to run"), stderr)
        let dry = try runGraphprune(["run", file, "--results", results, "--dry-run"]).1
        XCTAssertTrue(dry.contains("1 done, 1 failed, 0 to run") && dry.contains("failed   seed=1 arch=64-256-256-10 dataset=synthetic epochs=2 lr=10.0"), dry)

        let output = directory.path("report")
        (status, _, stderr) = try runGraphprune(["report", file, "--results", results, "--output-dir", output])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(stderr.contains("1 runs, 1 failed, 0 missing"), stderr)
        let md = try String(contentsOfFile: "\(output)/study.md", encoding: .utf8)
        XCTAssertTrue(md.contains("1 of 2 runs finished; 1 failed (listed at the end, left out of every table and plot)."), md)
        XCTAssertTrue(md.contains("## Failed runs\n\n- `") && md.contains("`lr: 10.0` — training diverged: the loss is nan at epoch 1"), md)
        let table = md[md.range(of: "## Table 1")!.lowerBound..<md.range(of: "Cells:")!.lowerBound]
        XCTAssertTrue(table.contains("| 0.01 |") && table.contains("| 10.0 |               — |"), String(table))

        (status, _, stderr) = try runGraphprune(["run", file, "--results", results, "--retry-failed"])
        XCTAssertTrue(stderr.contains("1 to run") && stderr.contains("— recorded as the run's outcome"), stderr)
    }
}

/// A counter shared by threads.
private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
