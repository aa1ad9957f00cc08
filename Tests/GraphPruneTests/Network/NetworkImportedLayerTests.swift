import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// The layers imported models need: clipping (ReLU6), fixed channel affine maps, and pooling
/// with kernel, stride and padding, against their definitions and central differences.
final class NetworkImportedLayerTests: XCTestCase {
    private typealias S = NetworkTestSupport
    private let image = ImageShape(channels: 3, height: 7, width: 6)

    func testClipIsTheDefinitionAndPassesGradientsInside() {
        var clip = Clip(minimum: 0, maximum: 6)
        // Entries kept 0.1 away from the ends, so central differences do not cross them.
        var x = S.matrix(2, 40, seed: 3, scale: 9)
        for k in x.elements.indices where abs(x.elements[k]) < 0.1 || abs(x.elements[k] - 6) < 0.1 { x.elements[k] += 0.3 }
        let y = S.forward(&clip, x)
        XCTAssertEqual(y.elements, x.elements.map { min(max($0, 0), 6) })
        XCTAssertTrue(x.elements.contains { $0 > 6 } && x.elements.contains { $0 < 0 }, "both ends are exercised")
        checkGradients(clip, input: x, "clip")
    }

    func testChannelAffineAppliesPerChannelOrBroadcastConstants() {
        var affine = ChannelAffine(scale: [2, -1, 0.5], shift: [1, 0, -3], input: image)
        let x = S.matrix(2, image.size, seed: 4)
        let y = S.forward(&affine, x)
        let area = image.height * image.width
        for b in 0..<2 {
            for k in 0..<image.size {
                let c = k / area
                XCTAssertEqual(y[b, k], [2, -1, 0.5][c] * x[b, k] + [1, 0, -3][c], accuracy: 1e-6)
            }
        }
        checkGradients(affine, input: x, "per channel")
        var scalar = ChannelAffine(scale: [4], shift: [-2], input: image)
        XCTAssertEqual(S.forward(&scalar, x).elements, x.elements.map { 4 * $0 - 2 })
        // A vector's features are its channels.
        let vector = ChannelAffine(scale: [1, 2, 3, 4], shift: [0], input: .vector(4))
        XCTAssertEqual(vector.scale, [1, 2, 3, 4])
        XCTAssertEqual(vector.area, 1)
    }

    /// The pooled value of output `(c, y, x)` by the definition: the window's entries inside
    /// the plane, reduced by max or by the sum over `n`.
    private func pooled(_ x: Matrix<Float>, sample b: Int, _ c: Int, _ y: Int, _ xo: Int, window: PoolingWindow, max isMax: Bool, countsPadding: Bool) -> Float {
        var values = [Float]()
        for i in 0..<window.kernel {
            for j in 0..<window.kernel {
                let (r, q) = (y * window.stride - window.padding + i, xo * window.stride - window.padding + j)
                if r >= 0 && r < image.height && q >= 0 && q < image.width { values.append(x[b, (c * image.height + r) * image.width + q]) }
            }
        }
        if isMax { return values.max()! }
        return values.reduce(0, +) / Float(countsPadding ? window.kernel * window.kernel : values.count)
    }

    func testPaddedStridedPoolingMatchesTheDefinitionAndCentralDifferences() {
        let windows = [PoolingWindow(kernel: 3, stride: 2, padding: 1), PoolingWindow(kernel: 2, stride: 1), PoolingWindow(kernel: 3, stride: 3, padding: 1)]
        // Distinct values 0.01 apart (a permutation), so no window holds a near-tie that a
        // central difference could flip.
        let count = 2 * image.size
        let x = Matrix<Float>(rows: 2, columns: image.size, elements: (0..<count).map { Float(($0 * 37) % count) * 0.01 - 1.5 })
        for window in windows {
            let out = window.output(on: image)
            XCTAssertEqual(out.height, (image.height + 2 * window.padding - window.kernel) / window.stride + 1)
            var maxPool = MaxPool2D(input: image, window: window)
            let ym = S.forward(&maxPool, x)
            for countsPadding in [true, false] {
                var averagePool = AveragePool2D(input: image, window: window, countsPadding: countsPadding)
                let ya = S.forward(&averagePool, x)
                for b in 0..<2 {
                    for c in 0..<image.channels {
                        for y in 0..<out.height {
                            for xo in 0..<out.width {
                                let o = (c * out.height + y) * out.width + xo
                                XCTAssertEqual(ym[b, o], pooled(x, sample: b, c, y, xo, window: window, max: true, countsPadding: false), "\(window)")
                                XCTAssertEqual(ya[b, o], pooled(x, sample: b, c, y, xo, window: window, max: false, countsPadding: countsPadding),
                                               accuracy: 1e-6, "\(window) \(countsPadding)")
                            }
                        }
                    }
                }
                checkGradients(averagePool, input: x, "average \(window) \(countsPadding)")
            }
            checkGradients(maxPool, input: x, step: 1e-3, "max \(window)")
        }
    }

    func testPoolingSpecsCheckTheirWindows() throws {
        let spec = Architecture.LayerSpec.pooling(.init(.max, window: PoolingWindow(kernel: 3, stride: 2, padding: 1)))
        let architecture = Architecture(inputShape: [2, 9, 9], layers: [spec, .flatten, .dense(outputs: 3)])
        XCTAssertEqual(try architecture.shapes()[1], [2, 5, 5])
        let tooMuchPadding = Architecture(inputShape: [2, 9, 9], layers: [.pooling(.init(.average, window: PoolingWindow(kernel: 2, stride: 2, padding: 2))), .dense(outputs: 3)])
        XCTAssertThrowsError(try tooMuchPadding.validate()) { XCTAssertTrue("\($0)".contains("padding 2 between 0 and half the kernel"), "\($0)") }
        let clip = Architecture(inputShape: [1, 1, 4], layers: [.clip(minimum: 6, maximum: 0), .dense(outputs: 2)])
        XCTAssertThrowsError(try clip.validate()) { XCTAssertTrue("\($0)".contains("minimum ≤ maximum"), "\($0)") }
        let affine = Architecture(inputShape: [3, 2, 2], layers: [.channelAffine(scale: [1, 2], shift: [0]), .dense(outputs: 2)])
        XCTAssertThrowsError(try affine.validate()) { XCTAssertTrue("\($0)".contains("2 scales and 1 shifts for 3 channels"), "\($0)") }
    }

    func testSigmoidAndSiLUAreTheirDefinitions() {
        let x = S.matrix(2, 30, seed: 12, scale: 4)
        var sigmoid = Sigmoid(), silu = SiLU()
        let (ys, yl) = (S.forward(&sigmoid, x), S.forward(&silu, x))
        for k in x.elements.indices {
            let v = Double(x.elements[k]), s = 1 / (1 + exp(-v))
            XCTAssertEqual(Double(ys.elements[k]), s, accuracy: 1e-6)
            XCTAssertEqual(Double(yl.elements[k]), v * s, accuracy: 1e-5)
        }
        checkGradients(sigmoid, input: x, step: 1e-3, "sigmoid")
        checkGradients(silu, input: x, step: 1e-3, "silu")
    }

    /// The two factors side by side per sample, as the network hands them over.
    func testMultiplyByAGateOrAnEqualShapeAndItsGradients() {
        let a = S.matrix(2, image.size, seed: 13), gate = S.matrix(2, image.channels, seed: 14), b = S.matrix(2, image.size, seed: 15)
        func sideBySide(_ first: Matrix<Float>, _ second: Matrix<Float>) -> Matrix<Float> {
            var m = Matrix<Float>(rows: 2, columns: first.columns + second.columns)
            m.copyColumns(from: first, at: 0)
            m.copyColumns(from: second, at: first.columns)
            return m
        }
        let area = image.height * image.width
        var gated = Multiply(input: image, broadcast: true)
        let y = S.forward(&gated, sideBySide(a, gate))
        for r in 0..<2 { for k in 0..<image.size { XCTAssertEqual(y[r, k], a[r, k] * gate[r, k / area]) } }
        checkGradients(gated, input: sideBySide(a, gate), "gate")
        var product = Multiply(input: image, broadcast: false)
        XCTAssertEqual(S.forward(&product, sideBySide(a, b)).elements, zip(a.elements, b.elements).map { $0 * $1 })
        checkGradients(product, input: sideBySide(a, b), "equal shapes")
    }
}
