import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// `Conv2D`, `MaxPool2D` and `GlobalAveragePooling`: shapes, the convolution against a direct
/// sum, every gradient against central differences, buffers reused for a smaller batch, and
/// bit-identical repeats.
final class NetworkConvolutionTests: XCTestCase {
    typealias S = NetworkTestSupport

    private let shape = ImageShape(channels: 2, height: 5, width: 5)
    /// The four configurations every convolution test runs: square and rectangular kernels,
    /// both paddings.
    private let configurations: [(kernel: (height: Int, width: Int), padding: Padding)] = [
        ((3, 3), .same), ((3, 3), .valid), ((2, 3), .same), ((2, 3), .valid),
    ]

    /// A convolution of `shape` with random weights computed by `backend`; `chunkSamples` forces
    /// im2col chunks of that many samples (the default chunk holds every test batch whole).
    private func convolution(
        kernel: (height: Int, width: Int), padding: Padding, filters: Int = 3, seed: UInt64 = 1,
        backend: ConvolutionBackend = .onednn, chunkSamples: Int? = nil
    ) -> Conv2D {
        let taps = shape.channels * kernel.height * kernel.width
        var conv = Conv2D(input: shape, kernel: kernel, weight: S.matrix(filters, taps, seed: seed),
                          bias: S.matrix(1, filters, seed: seed + 100).elements, padding: padding)
        conv.backend = backend
        if let chunkSamples { conv.chunkFloats = chunkSamples * taps * conv.output.height * conv.output.width }
        return conv
    }

    /// The computations the forward and gradient tests run: oneDNN, and im2col with the whole
    /// batch, one sample and two samples a chunk (a batch of 3 then ends on a partial chunk).
    private let variants: [(backend: ConvolutionBackend, chunk: Int?)] = [(.onednn, nil), (.im2col, nil), (.im2col, 1), (.im2col, 2)]

    // MARK: Conv2D

    func testConvolutionOutputShapes() {
        var g = SplitMix64(seed: 3)
        let cases: [((Int, Int), Padding, ImageShape)] = [
            ((3, 3), .same, ImageShape(channels: 3, height: 5, width: 5)),
            ((3, 3), .valid, ImageShape(channels: 3, height: 3, width: 3)),
            ((2, 3), .same, ImageShape(channels: 3, height: 5, width: 5)),
            ((2, 3), .valid, ImageShape(channels: 3, height: 4, width: 3)),
        ]
        for (kernel, padding, expected) in cases {
            let conv = Conv2D(input: shape, filters: 3, kernel: kernel, padding: padding, initializer: .glorotUniform, generator: &g)
            XCTAssertEqual(conv.output, expected, "\(kernel) \(padding)")
            XCTAssertEqual(conv.outputSize(inputSize: 50), expected.size)
            XCTAssertEqual(conv.weight.rows, 3)
            XCTAssertEqual(conv.weight.columns, 2 * kernel.0 * kernel.1)
        }
        let square = Conv2D(input: shape, filters: 4, kernel: 3, padding: .same, initializer: .kaimingNormal, generator: &g)
        XCTAssertEqual(square.kernelHeight, 3)
        XCTAssertEqual(square.kernelWidth, 3)
        XCTAssertEqual(square.filters, 4)
        XCTAssertTrue(square.paddingOffsets == (1, 1))
        let even = convolution(kernel: (2, 3), padding: .same)
        XCTAssertTrue(even.paddingOffsets == (0, 1), "an even kernel pads (k − 1)/2 = 0 before, 1 after")
    }

    func testInitializerUsesConvolutionFansAndZeroBiases() {
        var g1 = SplitMix64(seed: 42), g2 = SplitMix64(seed: 42)
        let conv = Conv2D(input: shape, filters: 3, kernel: (2, 3), padding: .valid, initializer: .glorotUniform, generator: &g1)
        XCTAssertEqual(conv.weight, Initializer.glorotUniform.weights(outputs: 3, inputs: 12, generator: &g2))
        XCTAssertEqual(conv.bias, [0, 0, 0])
    }

    func testSquareKernelIsInferredFromTheWeights() {
        let conv = Conv2D(input: shape, weight: S.matrix(3, 18, seed: 1), bias: [0, 0, 0], padding: .same)
        XCTAssertEqual(conv.kernelHeight, 3)
        XCTAssertEqual(conv.kernelWidth, 3)
        XCTAssertEqual(conv.output, ImageShape(channels: 3, height: 5, width: 5))
    }

    func testEvenKernelSamePaddingPadsAfter() {
        // One row [1, 2, 3], kernel [1, 10]: the zero goes after the row, so the last output
        // sees 3 and the padding.
        var conv = Conv2D(input: ImageShape(channels: 1, height: 1, width: 3), kernel: (1, 2),
                          weight: Matrix([[1, 10]]), bias: [0], padding: .same)
        XCTAssertEqual(S.forward(&conv, Matrix([[1, 2, 3]])), Matrix([[21, 32, 3]]))
        var valid = Conv2D(input: ImageShape(channels: 1, height: 1, width: 3), kernel: (1, 2),
                           weight: Matrix([[1, 10]]), bias: [0.5], padding: .valid)
        XCTAssertEqual(S.forward(&valid, Matrix([[1, 2, 3]])), Matrix([[21.5, 32.5]]))
    }

    func testForwardMatchesDirectConvolution() {
        for (kernel, padding) in configurations {
            for (backend, chunk) in variants {
                var conv = convolution(kernel: kernel, padding: padding, backend: backend, chunkSamples: chunk)
                let x = S.matrix(3, shape.size, seed: 7)
                let y = S.forward(&conv, x)
                let expected = S.directConvolution(conv, x)
                XCTAssertEqual(y.elements.count, expected.count)
                for (a, e) in zip(y.elements, expected) {
                    XCTAssertEqual(Double(a), e, accuracy: 1e-5, "\(kernel) \(padding) \(backend) chunk \(chunk ?? 0)")
                }
            }
        }
    }

    func testConvolutionGradientsMatchCentralDifferences() {
        for (kernel, padding) in configurations {
            for (backend, chunk) in variants {
                let message = "\(kernel) \(padding) \(backend) chunk \(chunk ?? 0)"
                var conv = convolution(kernel: kernel, padding: padding, backend: backend, chunkSamples: chunk)
                let x = S.matrix(3, shape.size, seed: 2)
                let size = conv.outputSize(inputSize: shape.size)
                let r = S.matrix(3, size, seed: 3)  // L = Σ Y ⊙ R, so ∂L/∂Y = R
                let y = S.forward(&conv, x)
                let dx = S.backward(&conv, input: x, output: y, outputGradient: r)
                let base = conv

                let numericW = S.numericGradient(base.weight.elements, step: 1e-2) { w in
                    var c = base
                    c.weight.elements = w
                    return S.projection(S.forward(&c, x), r)
                }
                XCTAssertGradientsMatch(conv.weightGradient.elements, numericW, absolute: 2e-3, relative: 1e-3, "∂L/∂W " + message)
                let numericB = S.numericGradient(base.bias, step: 1e-2) { b in
                    var c = base
                    c.bias = b
                    return S.projection(S.forward(&c, x), r)
                }
                XCTAssertGradientsMatch(conv.biasGradient, numericB, absolute: 2e-3, relative: 1e-3, "∂L/∂b " + message)
                let numericX = S.numericGradient(x.elements, step: 1e-2) { e in
                    var c = base
                    return S.projection(S.forward(&c, Matrix(rows: 3, columns: shape.size, elements: e)), r)
                }
                XCTAssertGradientsMatch(dx.elements, numericX, absolute: 2e-3, relative: 1e-3, "∂L/∂X " + message)
            }
        }
    }

    func testVisitsWeightThenBias() {
        var conv = convolution(kernel: (2, 3), padding: .same)
        let x = S.matrix(2, shape.size, seed: 4)
        let y = S.forward(&conv, x)
        _ = S.backward(&conv, input: x, output: y, outputGradient: S.matrix(2, y.columns, seed: 5))
        let parameters = S.parameters(&conv)
        XCTAssertEqual(parameters.count, 2)
        XCTAssertEqual(parameters[0].values, conv.weight.elements)
        XCTAssertEqual(parameters[0].gradient, conv.weightGradient.elements)
        XCTAssertEqual(parameters[1].values, conv.bias)
        XCTAssertEqual(parameters[1].gradient, conv.biasGradient)
    }

    func testEmptyInputGradientSkipsOnlyTheInputProduct() {
        var full = convolution(kernel: (3, 3), padding: .same)
        var first = full
        XCTAssertTrue(first.skipsInputGradient)
        let x = S.matrix(3, shape.size, seed: 8)
        let y = S.forward(&full, x)
        let r = S.matrix(3, y.columns, seed: 9)
        _ = S.backward(&full, input: x, output: y, outputGradient: r)
        _ = S.forward(&first, x)
        var none = Matrix<Float>(rows: 0, columns: 0)
        first.backward(input: x, output: y, outputGradient: r, inputGradient: &none)
        XCTAssertEqual(first.weightGradient, full.weightGradient)
        XCTAssertEqual(first.biasGradient, full.biasGradient)
    }

    func testSmallerLastBatchMatchesAFreshLayer() {
        for (kernel, padding) in configurations {
            var reused = convolution(kernel: kernel, padding: padding)
            var fresh = reused
            let big = S.matrix(4, shape.size, seed: 10)
            let bigY = S.forward(&reused, big)
            _ = S.backward(&reused, input: big, output: bigY, outputGradient: S.matrix(4, bigY.columns, seed: 11))

            let small = S.matrix(2, shape.size, seed: 12)
            let r = S.matrix(2, bigY.columns, seed: 13)
            let y1 = S.forward(&reused, small)
            let dx1 = S.backward(&reused, input: small, output: y1, outputGradient: r)
            let y2 = S.forward(&fresh, small)
            let dx2 = S.backward(&fresh, input: small, output: y2, outputGradient: r)
            XCTAssertEqual(y1, y2, "\(kernel) \(padding)")
            XCTAssertEqual(dx1, dx2)
            XCTAssertEqual(reused.weightGradient, fresh.weightGradient)
            XCTAssertEqual(reused.biasGradient, fresh.biasGradient)
            XCTAssertEqual(y1.elements.count, S.directConvolution(fresh, small).count)
        }
    }

    func testWritesCallerBuffersInPlace() {
        var conv = convolution(kernel: (3, 3), padding: .same)
        let x = S.matrix(2, shape.size, seed: 14)
        var y = Matrix<Float>(rows: 2, columns: conv.outputSize(inputSize: shape.size))
        var dx = Matrix<Float>(rows: 2, columns: shape.size)
        let (yAddress, dxAddress) = (S.address(y), S.address(dx))
        var g = SplitMix64(seed: 0)
        conv.forward(x, into: &y, training: true, generator: &g)
        conv.backward(input: x, output: y, outputGradient: y, inputGradient: &dx)
        XCTAssertEqual(S.address(y), yAddress)
        XCTAssertEqual(S.address(dx), dxAddress)
    }

    func testSameResultsTwice() {
        func run() -> (Matrix<Float>, Matrix<Float>, Matrix<Float>, [Float]) {
            var g = SplitMix64(seed: 99)
            var conv = Conv2D(input: shape, filters: 3, kernel: 3, padding: .same, initializer: .kaimingNormal, generator: &g)
            var pool = MaxPool2D(input: conv.output)
            let x = S.matrix(5, shape.size, seed: 15)
            let y = S.forward(&conv, x)
            let p = S.forward(&pool, y)
            let dy = S.backward(&pool, input: y, output: p, outputGradient: S.matrix(5, p.columns, seed: 16))
            let dx = S.backward(&conv, input: x, output: y, outputGradient: dy)
            // A second pass on the same layer gives the same again.
            let dx2 = S.backward(&conv, input: x, output: S.forward(&conv, x), outputGradient: dy)
            XCTAssertEqual(dx, dx2)
            return (p, dx, conv.weightGradient, conv.biasGradient)
        }
        let (a, b) = (run(), run())
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertEqual(a.2, b.2)
        XCTAssertEqual(a.3, b.3)
    }

    // MARK: MaxPool2D

    func testMaxPoolShapesAndTiesGoToTheFirst() {
        XCTAssertEqual(MaxPool2D(input: shape).output, ImageShape(channels: 2, height: 2, width: 2))
        XCTAssertEqual(MaxPool2D(input: ImageShape(channels: 1, height: 7, width: 6), size: 3).output,
                       ImageShape(channels: 1, height: 2, width: 2))
        // One 1×3×4 image (the last row is dropped by the floor): windows
        // [[1, 5], [5, 2]] (tie of 5s), [[3, 3], [3, 3]] (all tied), rows 0–1 only.
        var pool = MaxPool2D(input: ImageShape(channels: 1, height: 3, width: 4))
        let x = Matrix<Float>([[1, 5, 3, 3,
                                5, 2, 3, 3,
                                9, 9, 9, 9]])
        let y = S.forward(&pool, x)
        XCTAssertEqual(y, Matrix([[5, 3]]))
        let dx = S.backward(&pool, input: x, output: y, outputGradient: Matrix([[10, 20]]))
        XCTAssertEqual(dx, Matrix([[0, 10, 20, 0,
                                    0, 0, 0, 0,
                                    0, 0, 0, 0]]))
    }

    func testMaxPoolGradientMatchesCentralDifferencesAwayFromTies() {
        var pool = MaxPool2D(input: shape)
        // Distinct values 0.1 apart in a shuffled order: a step of 0.01 never changes a winner.
        var g = SplitMix64(seed: 17)
        let values = (0..<(3 * shape.size)).map { Float($0) * 0.1 - 7 }.shuffled(using: &g)
        let x = Matrix(rows: 3, columns: shape.size, elements: values)
        let r = S.matrix(3, 8, seed: 18)
        let y = S.forward(&pool, x)
        let dx = S.backward(&pool, input: x, output: y, outputGradient: r)
        let numeric = S.numericGradient(x.elements, step: 1e-2) { e in
            var p = MaxPool2D(input: shape)
            return S.projection(S.forward(&p, Matrix(rows: 3, columns: shape.size, elements: e)), r)
        }
        XCTAssertGradientsMatch(dx.elements, numeric, absolute: 1e-3, relative: 1e-3, "∂L/∂X")
        // The dropped fifth row and column get no gradient.
        for b in 0..<3 {
            for c in 0..<2 {
                for k in 0..<5 {
                    XCTAssertEqual(dx[b, c * 25 + 4 * 5 + k], 0)
                    XCTAssertEqual(dx[b, c * 25 + k * 5 + 4], 0)
                }
            }
        }
    }

    func testMaxPoolSmallerLastBatch() {
        var pool = MaxPool2D(input: shape)
        let big = S.matrix(4, shape.size, seed: 19)
        _ = S.forward(&pool, big)
        let small = S.matrix(2, shape.size, seed: 20)
        let r = S.matrix(2, 8, seed: 21)
        let y = S.forward(&pool, small)
        let dx = S.backward(&pool, input: small, output: y, outputGradient: r)
        var fresh = MaxPool2D(input: shape)
        let y2 = S.forward(&fresh, small)
        XCTAssertEqual(y, y2)
        XCTAssertEqual(dx, S.backward(&fresh, input: small, output: y2, outputGradient: r))
    }

    // MARK: GlobalAveragePooling

    func testGlobalAveragePoolingIsTheChannelMean() {
        var gap = GlobalAveragePooling(input: shape)
        XCTAssertEqual(gap.output, ImageShape(channels: 2, height: 1, width: 1))
        XCTAssertEqual(gap.outputSize(inputSize: 50), 2)
        let x = S.matrix(3, shape.size, seed: 22)
        let y = S.forward(&gap, x)
        for b in 0..<3 {
            for c in 0..<2 {
                let mean = (0..<25).reduce(0.0) { $0 + Double(x[b, c * 25 + $1]) } / 25
                XCTAssertEqual(Double(y[b, c]), mean, accuracy: 1e-6)
            }
        }
    }

    func testGlobalAveragePoolingGradientMatchesCentralDifferences() {
        var gap = GlobalAveragePooling(input: shape)
        let x = S.matrix(3, shape.size, seed: 23)
        let r = S.matrix(3, 2, seed: 24)
        let y = S.forward(&gap, x)
        let dx = S.backward(&gap, input: x, output: y, outputGradient: r)
        let numeric = S.numericGradient(x.elements, step: 1e-2) { e in
            var p = GlobalAveragePooling(input: shape)
            return S.projection(S.forward(&p, Matrix(rows: 3, columns: shape.size, elements: e)), r)
        }
        XCTAssertGradientsMatch(dx.elements, numeric, absolute: 1e-4, relative: 1e-3, "∂L/∂X")
    }

    // MARK: A small stack

    func testStackInputGradientMatchesCentralDifferences() {
        // Conv(3, same) → MaxPool(2) → Conv(2×3, valid) → GlobalAveragePooling on 2×6×6.
        let input = ImageShape(channels: 2, height: 6, width: 6)
        var g = SplitMix64(seed: 25)
        let conv1 = Conv2D(input: input, filters: 3, kernel: 3, padding: .same, initializer: .glorotUniform, generator: &g)
        let pool = MaxPool2D(input: conv1.output)
        let conv2 = Conv2D(input: pool.output, filters: 4, kernel: (2, 3), padding: .valid, initializer: .glorotUniform, generator: &g)
        let gap = GlobalAveragePooling(input: conv2.output)
        XCTAssertEqual(conv2.output, ImageShape(channels: 4, height: 2, width: 1))
        let layers: [any Layer] = [conv1, pool, conv2, gap]

        let x = S.matrix(2, input.size, seed: 26)
        let r = S.matrix(2, 4, seed: 27)
        var stack = layers
        var activations = [x]
        for i in stack.indices { activations.append(S.forward(&stack[i], activations[i])) }
        var dx = r
        for i in stack.indices.reversed() {
            dx = S.backward(&stack[i], input: activations[i], output: activations[i + 1], outputGradient: dx)
        }
        let numeric = S.numericGradient(x.elements, step: 1e-3) { e in
            var stack = layers
            var a = Matrix(rows: 2, columns: input.size, elements: e)
            for i in stack.indices { a = S.forward(&stack[i], a) }
            return S.projection(a, r)
        }
        XCTAssertGradientsMatch(dx.elements, numeric, absolute: 2e-3, relative: 1e-2, "∂L/∂X through the stack")
    }
}
