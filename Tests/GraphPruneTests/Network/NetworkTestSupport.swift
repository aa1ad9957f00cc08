import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

/// Fresh-buffer forward/backward runs and central differences for the layer tests.
enum NetworkTestSupport {
    /// A seeded Gaussian-cluster split standardised with its training statistics, as the data
    /// sets are loaded.
    static func standardizedSynthetic(classes: Int = 4, features: Int = 12, trainCount: Int, testCount: Int, seed: UInt64) -> DataSplit {
        var split = SyntheticClassification.make(classes: classes, features: features, trainCount: trainCount, testCount: testCount, seed: seed)
        let standardization = Standardization(fitting: split.train)
        standardization.apply(to: &split.train)
        standardization.apply(to: &split.test)
        return split
    }

    /// A `rows × columns` Float matrix, entries uniform in [−scale, scale).
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Float = 1) -> Matrix<Float> {
        var g = SplitMix64(seed: seed)
        return Matrix(rows: rows, columns: columns,
                      elements: (0..<(rows * columns)).map { _ in scale * Float(g.nextUnitDouble() * 2 - 1) })
    }

    /// A random layer keeping each position with probability `density`, minus row `emptyRow` and
    /// column `emptyColumn`; weights and biases uniform in [−1, 1).
    static func randomSparseLayer(
        inputs: Int, outputs: Int, density: Double, seed: UInt64, emptyRow: Int? = nil, emptyColumn: Int? = nil
    ) -> SparseDense {
        var g = SplitMix64(seed: seed)
        var connections = [(output: Int, input: Int)](), values = [Float]()
        for j in 0..<outputs {
            for i in 0..<inputs where g.nextUnitDouble() < density && j != emptyRow && i != emptyColumn {
                connections.append((j, i))
                values.append(Float(g.nextUnitDouble() * 2 - 1))
            }
        }
        let bias = (0..<outputs).map { _ in Float(g.nextUnitDouble() * 2 - 1) }
        return SparseDense(inputs: inputs, outputs: outputs, connections: connections, values: values, bias: bias)
    }

    /// `layer.forward` into a freshly allocated output, generator seeded with `seed`.
    static func forward<L: Layer>(_ layer: inout L, _ input: Matrix<Float>, training: Bool = false, seed: UInt64 = 0) -> Matrix<Float> {
        var output = Matrix<Float>(rows: input.rows, columns: layer.outputSize(inputSize: input.columns), repeating: .nan)
        var generator = SplitMix64(seed: seed)
        layer.forward(input, into: &output, training: training, generator: &generator)
        return output
    }

    /// `layer.backward` into a freshly allocated input gradient.
    static func backward<L: Layer>(_ layer: inout L, input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>) -> Matrix<Float> {
        var inputGradient = Matrix<Float>(rows: input.rows, columns: input.columns, repeating: .nan)
        layer.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient)
        return inputGradient
    }

    /// The parameter tensors and their gradients, in visiting order.
    static func parameters<L: Layer>(_ layer: inout L) -> [(values: [Float], gradient: [Float])] {
        var out = [(values: [Float], gradient: [Float])]()
        layer.visitParameters { values, gradient in out.append((values, gradient)) }
        return out
    }

    /// `Σ_ij Y_ij R_ij` in Double: a scalar loss whose gradient with respect to `Y` is `R`.
    static func projection(_ y: Matrix<Float>, _ r: Matrix<Float>) -> Double {
        zip(y.elements, r.elements).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Central differences `(f(x + h e_i) − f(x − h e_i)) / (x_i⁺ − x_i⁻)` for every entry, dividing
    /// by the step actually representable in Float.
    static func numericGradient(_ values: [Float], step: Float, _ loss: ([Float]) -> Double) -> [Double] {
        (0..<values.count).map { i in
            var plus = values, minus = values
            plus[i] += step
            minus[i] -= step
            return (loss(plus) - loss(minus)) / (Double(plus[i]) - Double(minus[i]))
        }
    }

    /// `Y[b, f, y, x] = b_f + Σ_{c ∈ group(f), i, j} W[f, (c,i,j)] X[b, c, y·sh+i−pt, x·sw+j−pl]`,
    /// summed in Double straight from the definition (zero outside the image; any stride,
    /// padding and groups).
    static func directConvolution(_ conv: Conv2D, _ x: Matrix<Float>) -> [Double] {
        let (c, h, w) = (conv.input.channels, conv.input.height, conv.input.width)
        let (kh, kw) = (conv.kernelHeight, conv.kernelWidth)
        let (pt, pl) = (conv.padding.top, conv.padding.left)
        let (oh, ow) = (conv.output.height, conv.output.width)
        let (channelsPerGroup, filtersPerGroup) = (c / conv.groups, conv.filters / conv.groups)
        var y = [Double]()
        for b in 0..<x.rows {
            for f in 0..<conv.filters {
                let group = f / filtersPerGroup
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(conv.bias[f])
                        for local in 0..<channelsPerGroup {
                            let ch = group * channelsPerGroup + local
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let (iy, ix) = (oy * conv.strideHeight + i * conv.dilationHeight - pt, ox * conv.strideWidth + j * conv.dilationWidth - pl)
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    sum += Double(conv.weight[f, (local * kh + i) * kw + j]) * Double(x[b, (ch * h + iy) * w + ix])
                                }
                            }
                        }
                        y.append(sum)
                    }
                }
            }
        }
        return y
    }

    /// Runs `body` on the layer's weights in place: its first parameter tensor (row-major
    /// out × in for Dense and convolution layers).
    static func editWeights(_ layer: inout any Layer, _ body: (inout [Float]) -> Void) {
        var first = true
        layer.visitParameters { values, _ in
            if first { body(&values) }
            first = false
        }
    }

    /// Sets to 0 the input columns of `channels` in the layer's weights (`columns` per row),
    /// each channel owning `area` consecutive columns: the layer no longer reads them.
    static func zeroInputChannels(_ layer: inout any Layer, _ channels: [Int], area: Int, columns: Int) {
        editWeights(&layer) { values in
            for row in 0..<(values.count / columns) {
                for c in channels { for f in (c * area)..<((c + 1) * area) { values[row * columns + f] = 0 } }
            }
        }
    }

    /// The base address of a matrix's storage, to check that a buffer was written in place.
    static func address(_ m: Matrix<Float>) -> UnsafeRawPointer? {
        m.elements.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }
}

/// `|a_i − b_i| ≤ absolute + relative · |b_i|` for every entry.
func XCTAssertGradientsMatch(
    _ analytic: [Float], _ numeric: [Double], absolute: Double, relative: Double, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(analytic.count, numeric.count, "lengths differ " + message, file: file, line: line)
    for (i, (a, n)) in zip(analytic, numeric).enumerated() where abs(Double(a) - n) > absolute + relative * abs(n) {
        XCTFail("entry \(i): analytic \(a) vs numeric \(n) " + message, file: file, line: line)
        return
    }
}

extension XCTestCase {
    /// Central differences of `L = Σ Y ⊙ R` for every parameter tensor and the input.
    func checkGradients<L: Layer>(
        _ layer: L, input x: Matrix<Float>, training: Bool = false, step: Float = 1e-2,
        absolute: Double = 2e-3, relative: Double = 2e-3, _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var layer = layer
        let r = NetworkTestSupport.matrix(x.rows, layer.outputSize(inputSize: x.columns), seed: 91)
        let base = layer
        let y = NetworkTestSupport.forward(&layer, x, training: training)
        let dx = NetworkTestSupport.backward(&layer, input: x, output: y, outputGradient: r)
        func loss(_ l: L, _ input: Matrix<Float>) -> Double {
            var copy = l
            return NetworkTestSupport.projection(NetworkTestSupport.forward(&copy, input, training: training), r)
        }
        let numericX = NetworkTestSupport.numericGradient(x.elements, step: step) { loss(base, Matrix(rows: x.rows, columns: x.columns, elements: $0)) }
        XCTAssertGradientsMatch(dx.elements, numericX, absolute: absolute, relative: relative, "∂L/∂X " + message, file: file, line: line)
        let analytic = NetworkTestSupport.parameters(&layer).map(\.gradient)
        for (k, gradient) in analytic.enumerated() {
            var probe = base
            let values = NetworkTestSupport.parameters(&probe)[k].values
            let numeric = NetworkTestSupport.numericGradient(values, step: step) { changed in
                var l = base, index = 0
                l.visitParameters { v, _ in
                    if index == k { v = changed }
                    index += 1
                }
                return loss(l, x)
            }
            XCTAssertGradientsMatch(gradient, numeric, absolute: absolute, relative: relative, "parameter \(k) " + message, file: file, line: line)
        }
    }
}

extension XCTestCase {
    /// `Network.weightGradients` of every layer with connections against central differences of
    /// the evaluation-mode loss (the first parameter tensor of each layer is its weight).
    func checkWeightGradients(
        _ model: Network, features x: Matrix<Float>, labels: [Int32], step: Float, absolute: Double, relative: Double,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (_, gradients) = model.weightGradients(features: x, labels: labels)
        func loss(_ m: Network) -> Double {
            var none: Matrix<Float>? = nil
            return SoftmaxCrossEntropy.evaluate(logits: m.outputs(x), labels: labels[...], gradient: &none).loss
        }
        for i in model.layers.indices where model.layers[i].connections != nil {
            let weights = try XCTUnwrap(model.layers[i].connections).weight
            let numeric = NetworkTestSupport.numericGradient(weights.elements, step: step) { changed in
                var layers = model.layers
                var set = false
                layers[i].visitParameters { v, _ in if !set { v = changed; set = true } }
                return loss(Network(architecture: model.architecture, layers: layers))
            }
            XCTAssertGradientsMatch(try XCTUnwrap(gradients[i]).elements, numeric, absolute: absolute, relative: relative,
                                    model.architecture.names[i], file: file, line: line)
        }
    }
}

