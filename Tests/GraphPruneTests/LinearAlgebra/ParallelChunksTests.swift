import CDNNLConvolution
import XCTest
@testable import GraphPruneNumerics

/// `forEachChunk` on Dispatch's threads and, once oneDNN has loaded OpenMP, on OpenMP's team:
/// every index once, in contiguous increasing chunks.
final class ParallelChunksTests: XCTestCase {
    /// How many times each index of `0..<count` was visited, and whether each chunk ran in order.
    private func visits(count: Int, minimumChunk: Int) -> (counts: [Int], ordered: Bool) {
        var counts = [Int](repeating: 0, count: count)
        var ordered = [Bool](repeating: true, count: count)
        counts.withUnsafeMutableBufferPointer { c in
            ordered.withUnsafeMutableBufferPointer { o in
                nonisolated(unsafe) let (c, o) = (c, o)
                forEachChunk(of: count, minimumChunk: minimumChunk) { range in
                    var previous = range.lowerBound - 1
                    for i in range {
                        c[i] += 1
                        o[i] = i == previous + 1
                        previous = i
                    }
                }
            }
        }
        return (counts, !ordered.contains(false))
    }

    func testEveryIndexOnceOnOpenMPsTeamAndOnDispatch() throws {
        let before = visits(count: 1001, minimumChunk: 1)
        XCTAssertEqual(before.counts, [Int](repeating: 1, count: 1001))
        XCTAssertTrue(before.ordered)
        // A convolution loads oneDNN and with it OpenMP.
        _ = try DNNLConvolution(DNNLConvolution.Shape(
            batch: 1, channels: 16, height: 4, width: 4, filters: 16, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
            dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 1, hasBias: false, threads: 2))
        let after = visits(count: 1001, minimumChunk: 1)
        XCTAssertEqual(after.counts, [Int](repeating: 1, count: 1001))
        XCTAssertTrue(after.ordered)
        // More chunks than threads: each still runs once.
        var ran = [Int](repeating: 0, count: 7)
        let status = ran.withUnsafeMutableBufferPointer { r in
            gp_openmp_parallel(7, { context, chunk in
                context!.assumingMemoryBound(to: Int.self)[chunk] += 1
            }, r.baseAddress!)
        }
        XCTAssertEqual(status, 1, "OpenMP is loaded once a convolution exists")
        XCTAssertEqual(ran, [Int](repeating: 1, count: 7))
    }
}
