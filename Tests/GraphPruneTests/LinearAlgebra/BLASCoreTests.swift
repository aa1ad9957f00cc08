import XCTest
@testable import GraphPruneNumerics

/// The correction of OpenBLAS's kernel choice for CPUs newer than the library.
final class BLASCoreTests: XCTestCase {
    func testFallbackCoresAreCorrectedByInstructionSets() {
        let avx512: Set<Substring> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        XCTAssertEqual(BLASCore.correction(current: "Prescott", flags: avx512), "SkylakeX")
        XCTAssertEqual(BLASCore.correction(current: "Prescott", flags: ["sse3", "avx", "avx2", "fma"]), "Haswell")
        // AVX2 without FMA, or plain SSE: the fallback is what the CPU can run.
        XCTAssertNil(BLASCore.correction(current: "Prescott", flags: ["sse3", "avx", "avx2"]))
        XCTAssertNil(BLASCore.correction(current: "Prescott", flags: ["sse3"]))
        // A core OpenBLAS recognised is never overridden.
        for core in ["SkylakeX", "Haswell", "Zen", "SapphireRapids", "Sandybridge"] {
            XCTAssertNil(BLASCore.correction(current: core, flags: avx512), core)
        }
        XCTAssertFalse(BLASCore.name.isEmpty)
    }

    /// The in-process reselection `correctIfMisdetected` relies on: with `OPENBLAS_CORETYPE`
    /// naming another core (Prescott, which every x86-64 CPU runs, or Core2 when Prescott is
    /// already in use), OpenBLAS switches to it, products stay right, and switching back restores
    /// the original kernels. The test process is left as it was.
    func testKernelsAreSelectedAgainInProcess() throws {
        let original = BLASCore.name
        let other = original == "Prescott" ? "Core2" : "Prescott"
        let previous = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        defer {
            setenv("OPENBLAS_CORETYPE", original, 1)
            _ = BLASCore.selectKernelsAgain()
            if let previous { setenv("OPENBLAS_CORETYPE", previous, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
            XCTAssertEqual(BLASCore.name, original)
        }
        setenv("OPENBLAS_CORETYPE", other, 1)
        guard BLASCore.selectKernelsAgain() else { throw XCTSkip("this OpenBLAS has no dynamic architecture selection") }
        XCTAssertEqual(BLASCore.name, other)
        let a = TestData.matrix(37, 29, seed: 7), b = TestData.matrix(29, 41, seed: 8)
        let expected = (0..<37).flatMap { i in (0..<41).map { j in (0..<29).reduce(0.0) { $0 + a[i, $1] * b[$1, j] } } }
        XCTAssertClose(a.multiplied(by: b).elements, expected, tolerance: 1e-12)
    }
}
