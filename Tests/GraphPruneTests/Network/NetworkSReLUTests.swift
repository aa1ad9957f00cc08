import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `SReLU`: the three pieces and the outer branch at the kinks, the SET reference
/// initialisation, all five gradients against central differences, the visiting order, a
/// smaller batch and bit-identical repeats.
final class NetworkSReLUTests: XCTestCase {
    typealias S = NetworkTestSupport

    /// Two units: `t_l = (−1, 0)`, `a_l = (0.5, 0.2)`, `t_r = (1, 2)`, `a_r = (2, 1)`.
    private func handLayer() -> SReLU {
        SReLU(tLeft: [-1, 0], aLeft: [0.5, 0.2], tRight: [1, 2], aRight: [2, 1])
    }

    func testForwardIsPiecewiseLinearWithOuterBranchesAtKinks() {
        var layer = handLayer()
        let x = Matrix<Float>([[-3, 3],      // left, right
                               [0.5, 0],     // middle, on t_l
                               [1, -5]])     // on t_r, left
        let y = S.forward(&layer, x)
        // −1 + 0.5·(−2), 2 + 1·1 | identity, 0 + 0.2·0 | 1 + 2·0, 0 + 0.2·(−5).
        XCTAssertEqual(y, Matrix([[-2, 3], [0.5, 0], [1, -1]]))
        XCTAssertEqual(layer.outputSize(inputSize: 2), 2)
    }

    func testBackwardUsesTheOuterSlopesAtKinks() {
        var layer = handLayer()
        let x = Matrix<Float>([[-3, 3], [0.5, 0], [1, -5]])
        let y = S.forward(&layer, x)
        let dx = S.backward(&layer, input: x, output: y, outputGradient: Matrix(rows: 3, columns: 2, repeating: 1))
        XCTAssertEqual(dx, Matrix([[0.5, 1], [1, 0.2], [2, 0.2]]))
        // Unit 0: left at −3 (1 − 0.5, −3 + 1), on t_r (1 − 2, 0). Unit 1: right at 3
        // (1 − 1, 3 − 2), on t_l and left at −5 (2 · (1 − 0.2), 0 + (−5 − 0)).
        XCTAssertEqual(layer.tLeftGradient[0], 0.5)
        XCTAssertEqual(layer.aLeftGradient[0], -2)
        XCTAssertEqual(layer.tRightGradient[0], -1)
        XCTAssertEqual(layer.aRightGradient[0], 0)
        XCTAssertEqual(layer.tLeftGradient[1], 1.6, accuracy: 1e-6)
        XCTAssertEqual(layer.aLeftGradient[1], -5)
        XCTAssertEqual(layer.tRightGradient[1], 0)
        XCTAssertEqual(layer.aRightGradient[1], 1)
    }

    func testInitializationFollowsTheSETReference() {
        var g = SplitMix64(seed: 5)
        let layer = SReLU(units: 6, generator: &g)
        var h = SplitMix64(seed: 5)
        let aLeft = (0..<6).map { _ in Float(h.nextUnitDouble()) }
        let tRight = (0..<6).map { _ in Float(5 * h.nextUnitDouble()) }
        XCTAssertEqual(layer.units, 6)
        XCTAssertEqual(layer.tLeft, [Float](repeating: 0, count: 6))
        XCTAssertEqual(layer.aLeft, aLeft)
        XCTAssertEqual(layer.tRight, tRight)
        XCTAssertEqual(layer.aRight, [Float](repeating: 1, count: 6))
        XCTAssertTrue(layer.aLeft.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertTrue(layer.tRight.allSatisfy { $0 >= 0 && $0 < 5 })
        XCTAssertEqual(g.next(), h.next(), "exactly 2 · units draws")
    }

    /// A layer with all four parameters away from their defaults, and inputs at least 0.05 from
    /// every threshold, so a step of 0.01 in any input or parameter never crosses a kink.
    private func randomCase(batch: Int, units: Int, seed: UInt64) -> (SReLU, Matrix<Float>) {
        var g = SplitMix64(seed: seed)
        var layer = SReLU(units: units, generator: &g)
        layer.tLeft = (0..<units).map { _ in -Float(g.nextUnitDouble()) - 0.2 }
        layer.aRight = (0..<units).map { _ in Float(g.nextUnitDouble()) * 2 }
        layer.tRight = layer.tRight.map { $0 * 0.5 + 0.2 }
        var x = S.matrix(batch, units, seed: seed + 1, scale: 3)
        for b in 0..<batch {
            for j in 0..<units {
                for t in [layer.tLeft[j], layer.tRight[j]] where abs(x[b, j] - t) < 0.05 { x[b, j] = t + 0.1 }
            }
        }
        return (layer, x)
    }

    func testGradientsMatchCentralDifferencesAwayFromKinks() {
        let (start, x) = randomCase(batch: 7, units: 5, seed: 30)
        var layer = start
        let r = S.matrix(7, 5, seed: 31)
        let y = S.forward(&layer, x)
        let dx = S.backward(&layer, input: x, output: y, outputGradient: r)
        let base = layer
        let analytic = S.parameters(&layer)
        let names = ["t_left", "a_left", "t_right", "a_right"]
        let paths: [WritableKeyPath<SReLU, [Float]>] = [\.tLeft, \.aLeft, \.tRight, \.aRight]
        for (k, path) in paths.enumerated() {
            let numeric = S.numericGradient(base[keyPath: path], step: 1e-2) { values in
                var l = base
                l[keyPath: path] = values
                return S.projection(S.forward(&l, x), r)
            }
            XCTAssertGradientsMatch(analytic[k].gradient, numeric, absolute: 1e-3, relative: 1e-3, "∂L/∂" + names[k])
        }
        let numericX = S.numericGradient(x.elements, step: 1e-2) { e in
            var l = base
            return S.projection(S.forward(&l, Matrix(rows: 7, columns: 5, elements: e)), r)
        }
        XCTAssertGradientsMatch(dx.elements, numericX, absolute: 1e-3, relative: 1e-3, "∂L/∂X")
    }

    func testVisitsLeftThresholdLeftSlopeRightThresholdRightSlope() {
        let (start, x) = randomCase(batch: 3, units: 4, seed: 40)
        var layer = start
        let y = S.forward(&layer, x)
        _ = S.backward(&layer, input: x, output: y, outputGradient: S.matrix(3, 4, seed: 41))
        let visited = S.parameters(&layer)
        XCTAssertEqual(visited.map(\.values), [layer.tLeft, layer.aLeft, layer.tRight, layer.aRight])
        XCTAssertEqual(visited.map(\.gradient),
                       [layer.tLeftGradient, layer.aLeftGradient, layer.tRightGradient, layer.aRightGradient])
    }

    func testSmallerBatchAndRepeatsGiveIdenticalResults() {
        let (start, big) = randomCase(batch: 6, units: 4, seed: 50)
        var layer = start, fresh = start
        let bigY = S.forward(&layer, big)
        _ = S.backward(&layer, input: big, output: bigY, outputGradient: S.matrix(6, 4, seed: 51))
        let small = S.matrix(2, 4, seed: 52, scale: 3)
        let r = S.matrix(2, 4, seed: 53)
        let y1 = S.forward(&layer, small)
        let dx1 = S.backward(&layer, input: small, output: y1, outputGradient: r)
        let y2 = S.forward(&fresh, small)
        let dx2 = S.backward(&fresh, input: small, output: y2, outputGradient: r)
        XCTAssertEqual(y1, y2)
        XCTAssertEqual(dx1, dx2)
        XCTAssertEqual(S.parameters(&layer).map(\.gradient), S.parameters(&fresh).map(\.gradient))
    }
}
