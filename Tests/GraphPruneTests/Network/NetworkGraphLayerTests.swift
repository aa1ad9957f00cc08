import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// The layers graph networks add: strided, grouped and bias-free convolutions, BatchNorm,
/// average pooling and the identity, against definitions, hand values and central differences.
final class NetworkGraphLayerTests: XCTestCase {
    private typealias S = NetworkTestSupport

    // MARK: Convolutions with stride, padding, groups

    private let image = ImageShape(channels: 4, height: 7, width: 6)

    private func convolution(kernel: Int, stride: Int, padding: Int, groups: Int, filters: Int = 8, bias: Bool = true, dilation: Int = 1, seed: UInt64 = 1) -> Conv2D {
        let taps = image.channels / groups * kernel * kernel
        return Conv2D(
            input: image, kernel: (kernel, kernel), stride: (stride, stride), dilation: (dilation, dilation), padding: .symmetric(padding), groups: groups,
            weight: S.matrix(filters, taps, seed: seed), bias: bias ? S.matrix(1, filters, seed: seed + 1).elements : nil)
    }

    private let convolutions: [(kernel: Int, stride: Int, padding: Int, groups: Int, bias: Bool, dilation: Int)] = [
        (3, 2, 1, 1, true, 1), (3, 1, 1, 2, false, 1), (1, 2, 0, 1, false, 1), (3, 3, 2, 4, true, 1), (2, 2, 0, 2, true, 1),
        (3, 1, 2, 1, true, 2), (2, 2, 1, 2, false, 3),
    ]

    func testStridedGroupedConvolutionMatchesTheDefinition() {
        for c in convolutions {
            var conv = convolution(kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups, bias: c.bias, dilation: c.dilation)
            XCTAssertEqual(conv.output.height, (image.height + 2 * c.padding - c.dilation * (c.kernel - 1) - 1) / c.stride + 1)
            for (backend, chunk) in [(.onednn, nil), (.im2col, nil), (.im2col, 1)] as [(ConvolutionBackend, Int?)] {
                conv.backend = backend
                if let chunk { conv.chunkFloats = chunk * image.channels * c.kernel * c.kernel * conv.output.height * conv.output.width }
                let x = S.matrix(3, image.size, seed: 5)
                let y = S.forward(&conv, x)
                for (a, e) in zip(y.elements, S.directConvolution(conv, x)) {
                    XCTAssertEqual(Double(a), e, accuracy: 1e-5, "\(c) \(backend) chunk \(chunk ?? 0)")
                }
            }
        }
    }

    func testStridedGroupedConvolutionGradientsMatchCentralDifferences() {
        for c in convolutions {
            for backend in ConvolutionBackend.allCases {
                var conv = convolution(kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups, bias: c.bias, dilation: c.dilation)
                conv.backend = backend
                checkGradients(conv, input: S.matrix(2, image.size, seed: 6), "\(c) \(backend)")
            }
        }
    }

    func testABiasFreeConvolutionHasNoBiasParameterOrTensor() {
        var conv = convolution(kernel: 3, stride: 1, padding: 1, groups: 1, bias: false)
        XCTAssertEqual(S.parameters(&conv).count, 1)
        XCTAssertEqual(conv.stateTensors.map(\.name), ["weight"])
        XCTAssertEqual(conv.stateTensors[0].tensor.shape, [8, 4, 3, 3])
        var depthwise = convolution(kernel: 3, stride: 1, padding: 1, groups: 4, filters: 4)
        XCTAssertEqual(depthwise.stateTensors[0].tensor.shape, [4, 1, 3, 3])
        XCTAssertEqual(S.parameters(&depthwise).map(\.values.count), [36, 4])
    }

    // MARK: BatchNorm

    func testBatchNormNormalisesEachChannelAndTracksRunningStatistics() {
        var norm = BatchNorm(channels: 3, area: 4, momentum: 0.1, epsilon: 1e-5)
        norm.scale = [1, 2, 0.5]
        norm.shift = [0, 1, -1]
        let x = S.matrix(5, 12, seed: 8, scale: 3)
        let y = S.forward(&norm, x, training: true)
        for c in 0..<3 {
            let values = (0..<5).flatMap { b in (0..<4).map { Double(x[b, c * 4 + $0]) } }
            let mean = values.reduce(0, +) / 20
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20
            let outputs = (0..<5).flatMap { b in (0..<4).map { Double(y[b, c * 4 + $0]) } }
            for (v, o) in zip(values, outputs) {
                XCTAssertEqual(o, Double(norm.scale[c]) * (v - mean) / (variance + 1e-5).squareRoot() + Double(norm.shift[c]), accuracy: 1e-5)
            }
            XCTAssertEqual(Double(norm.runningMean[c]), 0.1 * mean, accuracy: 1e-6)
            XCTAssertEqual(Double(norm.runningVariance[c]), 0.9 + 0.1 * variance * 20 / 19, accuracy: 1e-5, "unbiased, as PyTorch")
        }
        // Evaluation uses the running statistics and changes nothing.
        let statistics = (norm.runningMean, norm.runningVariance)
        let evaluated = S.forward(&norm, x, training: false)
        XCTAssertEqual(Double(evaluated[0, 0]), Double(norm.scale[0]) * (Double(x[0, 0]) - Double(statistics.0[0])) / (Double(statistics.1[0]) + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(norm.runningMean, statistics.0)
        XCTAssertEqual(norm.runningVariance, statistics.1)
    }

    /// Channels split across cores (each chunk ≥ 64 K values) and runs of a length that is not a
    /// multiple of the eight summing lanes: statistics, outputs and gradients against the
    /// definitions in Double.
    func testBatchNormOnChannelsSplitAcrossCoresMatchesTheDefinition() {
        let (channels, area, batch) = (5, 9003, 3)
        var norm = BatchNorm(channels: channels, area: area)
        norm.scale = [1, 2, 0.5, -1, 3]
        norm.shift = [0, 1, -1, 0.25, 2]
        let x = S.matrix(batch, channels * area, seed: 9, scale: 2)
        let g = S.matrix(batch, channels * area, seed: 10)
        let y = S.forward(&norm, x, training: true)
        let dx = S.backward(&norm, input: x, output: y, outputGradient: g)
        let m = Double(batch * area)
        for c in 0..<channels {
            let indices = (0..<batch).flatMap { b in (0..<area).map { b * channels * area + c * area + $0 } }
            let values = indices.map { Double(x.elements[$0]) }
            let mean = values.reduce(0, +) / m
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / m
            let inverse = 1 / (variance + 1e-5).squareRoot()
            XCTAssertEqual(Double(norm.runningMean[c]), 0.1 * mean, accuracy: 1e-6)
            let normalized = values.map { ($0 - mean) * inverse }
            let gradients = indices.map { Double(g.elements[$0]) }
            let sumG = gradients.reduce(0, +), sumGX = zip(gradients, normalized).map(*).reduce(0, +)
            XCTAssertEqual(Double(norm.shiftGradient[c]), sumG, accuracy: 1e-3)
            XCTAssertEqual(Double(norm.scaleGradient[c]), sumGX, accuracy: 1e-3)
            let gamma = Double(norm.scale[c])
            for (k, index) in indices.enumerated() where k % 997 == 0 {
                XCTAssertEqual(Double(y.elements[index]), gamma * normalized[k] + Double(norm.shift[c]), accuracy: 1e-4)
                let expected = gamma * inverse * (gradients[k] - sumG / m - normalized[k] * sumGX / m)
                XCTAssertEqual(Double(dx.elements[index]), expected, accuracy: 1e-5)
            }
        }
    }

    func testBatchNormGradientsMatchCentralDifferences() {
        var norm = BatchNorm(channels: 3, area: 4)
        norm.scale = [1.5, -0.5, 0.8]
        norm.shift = [0.1, 0.2, -0.3]
        norm.runningMean = [0.3, -0.2, 0.1]
        norm.runningVariance = [1.2, 0.7, 2]
        let x = S.matrix(4, 12, seed: 9, scale: 2)
        checkGradients(norm, input: x, training: true, step: 1e-2, absolute: 3e-3, relative: 3e-3, "batch statistics")
        checkGradients(norm, input: x, training: false, "running statistics")
        var frozen = norm
        frozen.frozenStatistics = true
        checkGradients(frozen, input: x, training: true, "frozen")
        let y = S.forward(&frozen, x, training: true)
        XCTAssertEqual(y, S.forward(&norm, x, training: false), "frozen BatchNorm trains on the running statistics")
        XCTAssertEqual(frozen.runningMean, norm.runningMean)
    }

    func testBatchNormStateUsesPyTorchNames() {
        let norm = BatchNorm(channels: 2, area: 1)
        XCTAssertEqual(norm.stateTensors.map(\.name), ["weight", "bias", "running_mean", "running_var"])
        XCTAssertEqual(norm.stateTensors.map(\.tensor.storage), [.float32([1, 1]), .float32([0, 0]), .float32([0, 0]), .float32([1, 1])])
    }

    // MARK: Average pooling and identity

    func testAveragePoolIsTheWindowMeanAndDropsTheRemainder() {
        var pool = AveragePool2D(input: ImageShape(channels: 1, height: 3, width: 4), size: 2)
        let x = Matrix<Float>(rows: 1, columns: 12, elements: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        XCTAssertEqual(S.forward(&pool, x).elements, [3.5, 5.5])
        checkGradients(AveragePool2D(input: ImageShape(channels: 2, height: 5, width: 4), size: 2), input: S.matrix(3, 40, seed: 4), "average pool")
    }

    func testIdentityPassesValuesAndGradients() {
        checkGradients(Identity(), input: S.matrix(2, 5, seed: 1), "identity")
    }
}
