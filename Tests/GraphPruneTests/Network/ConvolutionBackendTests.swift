import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// oneDNN against GraphPrune's im2col on layers the size of a CNN's (both are held to the direct
/// sum and central differences on small layers in `NetworkConvolutionTests` and
/// `NetworkGraphLayerTests`): the same values to rounding, bit-identical repeats, a cache per batch
/// size, and copies of a layer that do not share buffers.
final class ConvolutionBackendTests: XCTestCase {
    private typealias S = NetworkTestSupport

    /// A 16-channel 10 × 9 layer of 24 filters: oneDNN's blocked kernels, not a fallback.
    private func layer(_ backend: ConvolutionBackend, groups: Int = 1, stride: Int = 1, bias: Bool = true) -> Conv2D {
        let input = ImageShape(channels: 16, height: 10, width: 9)
        var conv = Conv2D(
            input: input, kernel: (3, 3), stride: (stride, stride), padding: .symmetric(1), groups: groups,
            weight: S.matrix(24, 16 / groups * 9, seed: 21, scale: 0.3), bias: bias ? S.matrix(1, 24, seed: 22).elements : nil)
        conv.backend = backend
        return conv
    }

    /// Forward output, `∂L/∂X`, `∂L/∂W`, `∂L/∂b` for a batch of `batch`.
    private func pass(_ conv: inout Conv2D, batch: Int, seed: UInt64) -> [[Float]] {
        let x = S.matrix(batch, conv.input.size, seed: seed)
        let y = S.forward(&conv, x)
        let dx = S.backward(&conv, input: x, output: y, outputGradient: S.matrix(batch, y.columns, seed: seed + 1))
        return [y.elements, dx.elements, conv.weightGradient.elements, conv.biasGradient]
    }

    func testOneDNNAgreesWithIm2colToRounding() {
        for (groups, stride, bias) in [(1, 1, true), (1, 2, false), (4, 1, true), (2, 2, true)] {
            var reference = layer(.im2col, groups: groups, stride: stride, bias: bias)
            var accelerated = layer(.onednn, groups: groups, stride: stride, bias: bias)
            let expected = pass(&reference, batch: 7, seed: 30), actual = pass(&accelerated, batch: 7, seed: 30)
            for (name, (a, e)) in zip(["y", "∂L/∂X", "∂L/∂W", "∂L/∂b"], zip(actual, expected)) {
                XCTAssertEqual(a.count, e.count, name)
                let scale = e.map { abs($0) }.max() ?? 1
                let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5 * max(1, scale), "\(name), groups \(groups), stride \(stride): largest difference \(worst) of \(scale)")
            }
        }
    }

    func testOneDNNIsChosenAndNamesItsKernel() {
        var conv = layer(.onednn)
        let name = conv.implementation(batch: 8)
        XCTAssertTrue(name.hasPrefix("onednn "), name)
        var reference = layer(.im2col)
        XCTAssertEqual(reference.implementation(batch: 8), "im2col")
    }

    func testOneDNNRepeatsBitForBitAcrossBatchSizes() {
        var conv = layer(.onednn)
        let first = pass(&conv, batch: 5, seed: 40)
        _ = pass(&conv, batch: 3, seed: 50)  // another batch size: another set of primitives
        XCTAssertEqual(pass(&conv, batch: 5, seed: 40), first)
        var fresh = layer(.onednn)
        XCTAssertEqual(pass(&fresh, batch: 5, seed: 40), first)
    }

    func testCopiesOfALayerKeepTheirOwnPrimitives() {
        var original = layer(.onednn)
        _ = pass(&original, batch: 4, seed: 60)
        var copy = original
        copy.weight = S.matrix(24, 144, seed: 61, scale: 0.3)
        // Interleaved: each value computes with its own weights and buffers.
        let copyResult = pass(&copy, batch: 4, seed: 62)
        let originalResult = pass(&original, batch: 4, seed: 62)
        var freshCopy = layer(.onednn)
        freshCopy.weight = copy.weight
        XCTAssertEqual(pass(&freshCopy, batch: 4, seed: 62), copyResult)
        XCTAssertEqual(pass(&original, batch: 4, seed: 62), originalResult)
        XCTAssertNotEqual(copyResult[0], originalResult[0])
        // The values above would agree even on shared primitives run one after the other; what
        // keeps two threads apart is that a copy that computes owns a cache of its own.
        XCTAssertFalse(copy.primitiveCache === original.primitiveCache)
    }

    /// OpenMP keeps its thread count per thread and oneDNN fixes a primitive's work split when it
    /// is built: a layer that computed at one count gives, at another, the bits a fresh layer gives
    /// there, and so does a layer run on another thread.
    func testResultsFollowTheThreadCountWhateverRanBefore() throws {
        let threads = BLASThreads.count
        try XCTSkipIf(threads < 2, "needs two threads to compare against one")
        defer { BLASThreads.set(threads) }
        var used = layer(.onednn)
        _ = pass(&used, batch: 64, seed: 70)
        BLASThreads.set(1)
        var fresh = layer(.onednn)
        let atOne = pass(&fresh, batch: 64, seed: 71)
        XCTAssertEqual(pass(&used, batch: 64, seed: 71), atOne)
        // A thread that never set OpenMP's count (its default is all cores) runs at one too.
        nonisolated(unsafe) var elsewhere: [[Float]] = []
        nonisolated(unsafe) let compute = {
            var other = self.layer(.onednn)
            elsewhere = self.pass(&other, batch: 64, seed: 71)
        }
        let done = DispatchSemaphore(value: 0)
        Thread {
            compute()
            done.signal()
        }.start()
        done.wait()
        XCTAssertEqual(elsewhere, atOne)
        BLASThreads.set(threads)
        var all = layer(.onednn)
        let sums = pass(&all, batch: 64, seed: 71)
        XCTAssertNotEqual(sums[2] + sums[3], atOne[2] + atOne[3], "∂L/∂W, ∂L/∂b at two threads sum in another order")
    }
}
