import Foundation
import XCTest
@testable import GraphPruneNumerics

/// Every reproducibility claim rests on `SplitMix64` producing Steele, Lea & Flood's sequence.
final class SplitMix64Tests: XCTestCase {
    /// The published outputs of `splitmix64.c` (Vigna) for the seeds 1234567 and 0.
    func testKnownAnswers() {
        var g = SplitMix64(seed: 1234567)
        XCTAssertEqual((0..<5).map { _ in g.next() },
                       [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821])
        var zero = SplitMix64(seed: 0)
        XCTAssertEqual((0..<3).map { _ in zero.next() }, [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    /// A unit double is the top 53 bits of the next output over 2⁵³; a Gaussian pair is
    /// Box–Muller of two such uniforms (the first as 1 − u).
    func testUniformsAndGaussiansDeriveFromTheOutputs() {
        var raw = SplitMix64(seed: 1234567), g = SplitMix64(seed: 1234567)
        let first = raw.next(), second = raw.next()
        XCTAssertEqual(g.nextUnitDouble(), Double(first >> 11) / 9_007_199_254_740_992)
        var h = SplitMix64(seed: 1234567)
        let (z0, z1) = h.nextGaussianPair()
        let u1 = 1 - Double(first >> 11) / 9_007_199_254_740_992, u2 = Double(second >> 11) / 9_007_199_254_740_992
        XCTAssertEqual(z0, (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        XCTAssertEqual(z1, (-2 * log(u1)).squareRoot() * sin(2 * .pi * u2))
    }
}
