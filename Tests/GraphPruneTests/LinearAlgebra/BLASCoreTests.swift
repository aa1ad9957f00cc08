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
}
