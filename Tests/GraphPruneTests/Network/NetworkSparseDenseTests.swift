import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `SparseDense` against `Dense` with the masked weights, central differences, the Erdős–Rényi
/// pattern, rewiring, repeatability, and optimisers surviving a rewired tensor.
final class NetworkSparseDenseTests: XCTestCase {
    typealias S = NetworkTestSupport

    private func randomLayer(
        inputs: Int, outputs: Int, density: Double, seed: UInt64, emptyRow: Int? = nil, emptyColumn: Int? = nil
    ) -> SparseDense {
        S.randomSparseLayer(inputs: inputs, outputs: outputs, density: density, seed: seed, emptyRow: emptyRow, emptyColumn: emptyColumn)
    }

    /// Forward, all gradients and `∂L/∂X` of `sparse` against `Dense(denseWeight(), bias)`.
    private func assertMatchesDense(_ sparse: SparseDense, batch: Int, seed: UInt64, _ label: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        var sparse = sparse
        var dense = Dense(weight: sparse.denseWeight(), bias: sparse.bias)
        let x = S.matrix(batch, sparse.inputs, seed: seed)
        let r = S.matrix(batch, sparse.outputs, seed: seed + 1)
        let ys = S.forward(&sparse, x), yd = S.forward(&dense, x)
        XCTAssertClose(ys.elements.map(Double.init), yd.elements.map(Double.init), tolerance: 1e-4, "Y " + label, file: file, line: line)
        let dxs = S.backward(&sparse, input: x, output: ys, outputGradient: r)
        let dxd = S.backward(&dense, input: x, output: yd, outputGradient: r)
        XCTAssertClose(dxs.elements.map(Double.init), dxd.elements.map(Double.init), tolerance: 1e-4, "∂L/∂X " + label, file: file, line: line)
        let restricted = sparse.pattern().map { Double(dense.weightGradient[$0.output, $0.input]) }
        XCTAssertClose(sparse.weightGradient.map(Double.init), restricted, tolerance: 1e-4, "∂L/∂W " + label, file: file, line: line)
        XCTAssertClose(sparse.biasGradient.map(Double.init), dense.biasGradient.map(Double.init), tolerance: 1e-4, "∂L/∂b " + label, file: file, line: line)
    }

    func testMatchesDenseWithMaskedWeightsOnRandomShapes() {
        let shapes: [(inputs: Int, outputs: Int, batch: Int, density: Double)] = [
            (7, 5, 6, 0.5), (1, 9, 4, 0.8), (9, 1, 3, 0.8), (1, 1, 1, 1), (13, 11, 17, 0.3),
            (200, 150, 50, 0.2),  // large enough to be split over the cores
        ]
        for (n, s) in shapes.enumerated() {
            let layer = randomLayer(inputs: s.inputs, outputs: s.outputs, density: s.density, seed: UInt64(10 + n),
                                    emptyRow: s.outputs > 1 ? 0 : nil, emptyColumn: s.inputs > 1 ? s.inputs - 1 : nil)
            if s.outputs > 1 { XCTAssertEqual(layer.incomingConnectionCounts()[0], 0) }
            if s.inputs > 1 { XCTAssertEqual(layer.outgoingConnectionCounts()[s.inputs - 1], 0) }
            for execution in [SparseExecution.sparse, .dense] {
                var layer = layer
                layer.execution = execution
                assertMatchesDense(layer, batch: s.batch, seed: UInt64(100 + n), "\(s) \(execution)")
            }
        }
    }

    func testForwardIsXWTransposePlusBiasOnAHandExample() {
        // W = [[1, 0, 3], [0, 0, 0], [0, -2, 0]] stored sparsely (row 1 empty).
        var layer = SparseDense(inputs: 3, outputs: 3, connections: [(2, 1), (0, 2), (0, 0)], values: [-2, 3, 1], bias: [10, -1, 0.5])
        XCTAssertEqual(layer.rowStarts, [0, 2, 2, 3])
        XCTAssertEqual(layer.columns, [0, 2, 1])
        XCTAssertEqual(layer.values, [1, 3, -2])
        let y = S.forward(&layer, Matrix([[1, 2, 3], [0, -1, 1]]))
        XCTAssertEqual(y, Matrix([[20, -1, -3.5], [13, -1, 2.5]]))
        XCTAssertEqual(layer.outputSize(inputSize: 3), 3)
    }

    func testGradientsMatchCentralDifferences() {
        for execution in [SparseExecution.sparse, .dense] {
            var layer = randomLayer(inputs: 6, outputs: 4, density: 0.5, seed: 3, emptyRow: 2)
            layer.execution = execution
            checkGradientsByCentralDifferences(layer, "\(execution)")
        }
    }

    private func checkGradientsByCentralDifferences(_ layer: SparseDense, _ label: String) {
        var layer = layer
        let x = S.matrix(5, 6, seed: 4)
        let r = S.matrix(5, 4, seed: 5)  // L = Σ Y ⊙ R, so ∂L/∂Y = R
        let y = S.forward(&layer, x)
        let dx = S.backward(&layer, input: x, output: y, outputGradient: r)
        let base = layer
        let numericW = S.numericGradient(base.values, step: 1e-2) { w in
            var d = base
            d.values = w
            return S.projection(S.forward(&d, x), r)
        }
        XCTAssertGradientsMatch(layer.weightGradient, numericW, absolute: 1e-3, relative: 1e-3, "∂L/∂W " + label)
        let numericB = S.numericGradient(base.bias, step: 1e-2) { b in
            var d = base
            d.bias = b
            return S.projection(S.forward(&d, x), r)
        }
        XCTAssertGradientsMatch(layer.biasGradient, numericB, absolute: 1e-3, relative: 1e-3, "∂L/∂b " + label)
        let numericX = S.numericGradient(x.elements, step: 1e-2) { e in
            var d = base
            return S.projection(S.forward(&d, Matrix(rows: 5, columns: 6, elements: e)), r)
        }
        XCTAssertGradientsMatch(dx.elements, numericX, absolute: 1e-3, relative: 1e-3, "∂L/∂X " + label)
    }

    func testDenseRoundTripKeepsTheNonzeros() {
        let w = Matrix<Float>([[0, 1.5, 0, -2], [0, 0, 0, 0], [3, 0, 0, 0.25]])
        let layer = SparseDense(dense: w, bias: [1, 2, 3])
        XCTAssertEqual(layer.connectionCount, 4)
        XCTAssertEqual(layer.denseWeight(), w)
        XCTAssertTrue(layer.pattern().elementsEqual([(0, 1), (0, 3), (2, 0), (2, 3)], by: { $0 == $1 }))
        XCTAssertEqual(layer.incomingConnectionCounts(), [2, 0, 2])
        XCTAssertEqual(layer.outgoingConnectionCounts(), [1, 1, 0, 2])
        XCTAssertTrue(layer.contains(output: 2, input: 3))
        XCTAssertFalse(layer.contains(output: 1, input: 3))
        XCTAssertEqual(layer.position(output: 2, input: 0), 2)
        XCTAssertEqual(SparseDense(dense: w).bias, [0, 0, 0])
        layer.checkInvariants()
    }

    func testVisitsValuesThenBias() {
        var layer = randomLayer(inputs: 5, outputs: 3, density: 0.6, seed: 8)
        let p = S.parameters(&layer)
        XCTAssertEqual(p.count, 2)
        XCTAssertEqual(p[0].values, layer.values)
        XCTAssertEqual(p[0].gradient.count, layer.connectionCount)
        XCTAssertEqual(p[1].values, layer.bias)
        XCTAssertEqual(p[1].gradient.count, 3)
    }

    // MARK: Erdős–Rényi

    func testErdosRenyiDensityFormulaAndClamp() {
        XCTAssertEqual(ErdosRenyi.density(inputs: 784, outputs: 256, epsilon: 20), 20.0 * 1040 / (784 * 256), accuracy: 1e-15)
        XCTAssertEqual(ErdosRenyi.density(inputs: 10, outputs: 10, epsilon: 20), 1)
        XCTAssertEqual(ErdosRenyi.density(inputs: 0, outputs: 10, epsilon: 20), 1)
        var g = SplitMix64(seed: 1)
        XCTAssertEqual(ErdosRenyi.pattern(inputs: 10, outputs: 10, epsilon: 20, generator: &g).count, 100)
    }

    func testErdosRenyiCountMatchesTheDensityStatistically() {
        let (inputs, outputs, epsilon) = (300, 200, 10.0)
        let p = epsilon * Double(inputs + outputs) / Double(inputs * outputs)
        let n = Double(inputs * outputs), sigma = (n * p * (1 - p)).squareRoot()
        for seed: UInt64 in [1, 2, 3] {
            var g = SplitMix64(seed: seed)
            let count = Double(ErdosRenyi.pattern(inputs: inputs, outputs: outputs, epsilon: epsilon, generator: &g).count)
            XCTAssertLessThan(abs(count - n * p), 5 * sigma, "seed \(seed): \(count) kept, expected \(n * p)")
        }
    }

    func testErdosRenyiDrawsOneUniformPerPositionInRowMajorOrder() {
        var g = SplitMix64(seed: 42), replica = SplitMix64(seed: 42)
        let pattern = ErdosRenyi.pattern(inputs: 7, outputs: 5, epsilon: 1, generator: &g)
        let p = ErdosRenyi.density(inputs: 7, outputs: 5, epsilon: 1)
        var expected = [(output: Int, input: Int)]()
        for j in 0..<5 { for i in 0..<7 where replica.nextUnitDouble() < p { expected.append((j, i)) } }
        XCTAssertTrue(pattern.elementsEqual(expected, by: { $0 == $1 }))
        XCTAssertEqual(g.next(), replica.next(), "the generator advanced by exactly 35 draws")
    }

    func testSameSeedGivesTheSameLayerAndGlorotBound() {
        var g1 = SplitMix64(seed: 7), g2 = SplitMix64(seed: 7), g3 = SplitMix64(seed: 8)
        let a = SparseDense(inputs: 60, outputs: 40, epsilon: 5, generator: &g1)
        let b = SparseDense(inputs: 60, outputs: 40, epsilon: 5, generator: &g2)
        let c = SparseDense(inputs: 60, outputs: 40, epsilon: 5, generator: &g3)
        XCTAssertEqual(a.rowStarts, b.rowStarts)
        XCTAssertEqual(a.columns, b.columns)
        XCTAssertEqual(a.values, b.values)
        XCTAssertNotEqual(a.columns, c.columns)
        XCTAssertEqual(a.bias, [Float](repeating: 0, count: 40))
        let limit = Float((6.0 / 100).squareRoot())  // dense fan-in + fan-out
        XCTAssertTrue(a.values.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(a.values.map { abs($0) }.max()!, 0.9 * limit)
        a.checkInvariants()
        var gk = SplitMix64(seed: 7)
        let kaiming = SparseDense(inputs: 60, outputs: 40, epsilon: 5, initializer: .kaimingNormal, generator: &gk)
        XCTAssertEqual(kaiming.columns, a.columns, "the pattern is drawn first, whatever the initializer")
    }

    // MARK: Rewiring

    func testRemoveAndAddKeepRowsSortedAndUntouchedValues() {
        var layer = randomLayer(inputs: 12, outputs: 9, density: 0.5, seed: 21)
        var before = [String: Float]()
        for (k, c) in layer.pattern().enumerated() { before["\(c.output),\(c.input)"] = layer.values[k] }
        let negatives = layer.values.filter { $0 < 0 }.count
        let total = layer.connectionCount

        let removed = layer.removeConnections { _, _, value in value < 0 }
        XCTAssertEqual(removed, negatives)
        XCTAssertEqual(layer.connectionCount, total - negatives)
        layer.checkInvariants()
        XCTAssertTrue(layer.values.allSatisfy { $0 >= 0 })
        for (k, c) in layer.pattern().enumerated() { XCTAssertEqual(layer.values[k], before["\(c.output),\(c.input)"]) }
        assertMatchesDense(layer, batch: 5, seed: 31, "after removal")

        // Regrow at empty positions, chosen in a scrambled order.
        var g = SplitMix64(seed: 5)
        var empty = [(output: Int, input: Int)]()
        for j in 0..<9 { for i in 0..<12 where !layer.contains(output: j, input: i) { empty.append((j, i)) } }
        empty.shuffle(using: &g)
        let regrown = Array(empty.prefix(removed))
        layer.addConnections(regrown, value: 0.125)
        XCTAssertEqual(layer.connectionCount, total)
        layer.checkInvariants()
        let new = Set(regrown.map { "\($0.output),\($0.input)" })
        for (k, c) in layer.pattern().enumerated() {
            let key = "\(c.output),\(c.input)"
            XCTAssertEqual(layer.values[k], new.contains(key) ? 0.125 : before[key]!, key)
        }
        XCTAssertEqual(layer.weightGradient.count, total)
        XCTAssertEqual(layer.incomingConnectionCounts().reduce(0, +), total)
        XCTAssertEqual(layer.outgoingConnectionCounts().reduce(0, +), total)
        assertMatchesDense(layer, batch: 7, seed: 41, "after regrowth")
    }

    func testRemovingAWholeNeuronAndEverything() {
        var layer = randomLayer(inputs: 6, outputs: 4, density: 1, seed: 2)
        XCTAssertEqual(layer.removeConnections { output, _, _ in output == 1 }, 6)
        XCTAssertEqual(layer.removeConnections { _, input, _ in input == 0 }, 3)
        XCTAssertEqual(layer.incomingConnectionCounts(), [5, 0, 5, 5])
        XCTAssertEqual(layer.outgoingConnectionCounts(), [0, 3, 3, 3, 3, 3])
        assertMatchesDense(layer, batch: 3, seed: 6, "neuron removed")
        XCTAssertEqual(layer.removeConnections { _, _, _ in true }, 15)
        XCTAssertEqual(layer.connectionCount, 0)
        layer.checkInvariants()
        assertMatchesDense(layer, batch: 3, seed: 7, "no connections")
        layer.addConnections([(3, 5), (0, 0)], value: -1)
        XCTAssertTrue(layer.pattern().elementsEqual([(0, 0), (3, 5)], by: { $0 == $1 }))
        assertMatchesDense(layer, batch: 2, seed: 8, "regrown from nothing")
    }

    func testDegenerateShapesAndEmptyBatch() {
        var noInputs = SparseDense(inputs: 0, outputs: 3, connections: [], bias: [1, 2, 3])
        let y = S.forward(&noInputs, Matrix(rows: 2, columns: 0))
        XCTAssertEqual(y, Matrix([[1, 2, 3], [1, 2, 3]]))
        _ = S.backward(&noInputs, input: Matrix(rows: 2, columns: 0), output: y, outputGradient: Matrix([[1, 2, 3], [4, 5, 6]]))
        XCTAssertEqual(noInputs.biasGradient, [5, 7, 9])
        var noOutputs = SparseDense(inputs: 3, outputs: 0, connections: [])
        let dx = S.backward(&noOutputs, input: Matrix(rows: 2, columns: 3), output: Matrix(rows: 2, columns: 0),
                            outputGradient: Matrix(rows: 2, columns: 0))
        XCTAssertEqual(dx, Matrix(rows: 2, columns: 3))
        var layer = randomLayer(inputs: 4, outputs: 3, density: 0.7, seed: 1)
        let empty = Matrix<Float>(rows: 0, columns: 4)
        let y0 = S.forward(&layer, empty)
        _ = S.backward(&layer, input: empty, output: y0, outputGradient: Matrix(rows: 0, columns: 3))
        XCTAssertTrue(layer.weightGradient.allSatisfy { $0 == 0 })
        XCTAssertEqual(layer.biasGradient, [0, 0, 0])
    }

    // MARK: Repeatability and optimisers

    func testForwardAndBackwardAreBitwiseRepeatableAndReuseTheBuffers() {
        let base = randomLayer(inputs: 300, outputs: 120, density: 0.15, seed: 77)
        func run(_ layer: inout SparseDense, batch: Int) -> (Matrix<Float>, Matrix<Float>, [Float], [Float]) {
            let x = S.matrix(batch, 300, seed: 1), r = S.matrix(batch, 120, seed: 2)
            let y = S.forward(&layer, x)
            let dx = S.backward(&layer, input: x, output: y, outputGradient: r)
            return (y, dx, layer.weightGradient, layer.biasGradient)
        }
        var a = base, b = base
        let first = run(&a, batch: 64)
        _ = run(&b, batch: 100)  // larger batch first: the scratch is then reused at 64
        let second = run(&b, batch: 64)
        let third = run(&a, batch: 64)
        for other in [second, third] {
            XCTAssertEqual(first.0.elements.map(\.bitPattern), other.0.elements.map(\.bitPattern))
            XCTAssertEqual(first.1.elements.map(\.bitPattern), other.1.elements.map(\.bitPattern))
            XCTAssertEqual(first.2.map(\.bitPattern), other.2.map(\.bitPattern))
            XCTAssertEqual(first.3.map(\.bitPattern), other.3.map(\.bitPattern))
        }
    }

    func testAnEmptyInputGradientBufferSkipsOnlyTheInputGradient() {
        var full = randomLayer(inputs: 9, outputs: 7, density: 0.5, seed: 15)
        var first = full
        XCTAssertTrue(first.skipsInputGradient)
        let x = S.matrix(6, 9, seed: 1), r = S.matrix(6, 7, seed: 2)
        let y = S.forward(&full, x)
        _ = S.backward(&full, input: x, output: y, outputGradient: r)
        _ = S.forward(&first, x)
        var none = Matrix<Float>(rows: 0, columns: 0)
        first.backward(input: x, output: y, outputGradient: r, inputGradient: &none)
        XCTAssertEqual(none, Matrix(rows: 0, columns: 0))
        XCTAssertEqual(first.weightGradient, full.weightGradient)
        XCTAssertEqual(first.biasGradient, full.biasGradient)
    }

    func testForwardWritesTheCallersBufferInPlace() {
        var layer = randomLayer(inputs: 5, outputs: 4, density: 0.5, seed: 9)
        var output = Matrix<Float>(rows: 3, columns: 4)
        let address = S.address(output)
        var g = SplitMix64(seed: 0)
        layer.forward(S.matrix(3, 5, seed: 1), into: &output, training: true, generator: &g)
        XCTAssertEqual(S.address(output), address)
    }

    /// One training step of `layer` (tensor indices 0 and 1) with a fixed output gradient.
    private func step<O: Optimizer>(_ layer: inout SparseDense, _ optimizer: inout O) {
        let x = S.matrix(4, layer.inputs, seed: 3), r = S.matrix(4, layer.outputs, seed: 4)
        let y = S.forward(&layer, x)
        _ = S.backward(&layer, input: x, output: y, outputGradient: r)
        optimizer.beginStep()
        var index = 0
        layer.visitParameters { values, gradient in
            optimizer.update(index: index, values: &values, gradient: gradient, learningRate: 0.1)
            index += 1
        }
    }

    func testSGDAndAdamRestartTheStateOfARewiredTensor() {
        func check<O: Optimizer>(_ make: () -> O, _ name: String) {
            var layer = randomLayer(inputs: 8, outputs: 6, density: 0.5, seed: 12)
            var optimizer = make()
            step(&layer, &optimizer)
            step(&layer, &optimizer)
            layer.removeConnections { output, input, _ in (output + input) % 3 == 0 }
            // A fresh optimiser advanced by the same number of steps, whose state for the values
            // tensor is empty, must take the same next step on the weights.
            var fresh = make()
            fresh.beginStep()
            fresh.beginStep()
            var reference = layer
            step(&layer, &optimizer)
            step(&reference, &fresh)
            XCTAssertEqual(layer.values, reference.values, name)
            XCTAssertTrue(layer.values.allSatisfy(\.isFinite), name)
        }
        check({ SGD(momentum: 0.9) }, "SGD")
        check({ Adam() }, "Adam")
    }
}
