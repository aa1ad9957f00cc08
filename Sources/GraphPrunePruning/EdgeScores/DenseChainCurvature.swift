import Foundation
import GraphPruneNetwork
import GraphPruneNumerics

/// A network that is a chain of Dense layers with ReLU between them (dropout, Flatten and
/// Identity nodes pass through, as in evaluation mode), in Double, with the exact gradient of
/// the tempered cross-entropy and its exact Hessian–vector product with respect to the Dense
/// weights: what GraSP needs (`GraSPEdgeScorer`).
///
/// For a batch of `n` samples `X` (n × d₀, one per row), Dense layer `l` with weights `W_l`
/// (**out × in**) and biases `b_l`, and temperature `T`:
/// ```
/// a_l = h_{l−1} W_lᵀ + 1 b_lᵀ,   h_l = relu(a_l) (or a_l where no ReLU follows),   h_0 = X
/// L = (1/n) Σ_i −log softmax(a_L,i / T)_{y_i}
/// δ_L = (softmax(a_L / T) − Y) / (n T),   δ_{l−1} = (δ_l W_l) ⊙ 1[a_{l−1} > 0]
/// ∂L/∂W_l = δ_lᵀ h_{l−1}
/// ```
/// The product `H v` with a direction `v = (V_l)` for the weights (the biases' direction 0) is
/// Pearlmutter's (1994) R-operator `R{·} = d/dε (·)(W + εV)|₀` applied to that computation:
/// ```
/// R{a_l} = R{h_{l−1}} W_lᵀ + h_{l−1} V_lᵀ,   R{h_l} = R{a_l} ⊙ 1[a_l > 0],   R{h_0} = 0
/// R{δ_L} = (p ⊙ (R{s} − (p · R{s}) 1)) / (n T),   p = softmax(s), s = a_L / T, R{s} = R{a_L} / T (row-wise)
/// R{δ_{l−1}} = (R{δ_l} W_l + δ_l V_l) ⊙ 1[a_{l−1} > 0]
/// (H v)_l = R{∂L/∂W_l} = R{δ_l}ᵀ h_{l−1} + δ_lᵀ R{h_{l−1}}
/// ```
/// exact wherever no pre-activation is exactly 0 (ReLU's second derivative is 0 elsewhere).
///
/// - Complexity: a gradient is 1 gemm per layer forward and 2 backward; a Hessian–vector
///   product 8 per layer (about 2.7 gradients). O(n · Σ_l in_l · out_l) flops either way.
struct DenseChainCurvature {
    /// The Dense layers' weights (out × in) and biases, in order.
    var weights: [Matrix<Double>]
    var biases: [[Double]]
    /// Whether a ReLU follows Dense layer `l` (never the last: its outputs are the logits).
    var rectified: [Bool]
    /// The Dense layers' positions in the model.
    var positions: [Int]

    /// The chain of `model`.
    /// - Throws: `EdgePruningError.unsupportedLayer` naming the first node that is not a Dense,
    ///   ReLU, dropout, Flatten or Identity node of a chain, a ReLU that does not follow a Dense
    ///   layer, or a network that does not end in a Dense layer.
    init(_ model: Network, scorer: String) throws {
        let architecture = model.architecture
        (weights, biases, rectified, positions) = ([], [], [], [])
        for (i, spec) in architecture.layers.enumerated() {
            let name = architecture.names.indices.contains(i) ? architecture.names[i] : "layers.\(i)"
            guard architecture.inputs[i] == [i] else {
                throw EdgePruningError.unsupportedLayer("\(scorer): node \(name) does not read the node before it; the Hessian–vector product covers chains of Dense and ReLU layers")
            }
            switch (spec, model.layers[i].pathOperation) {
            case (.dense, .affine(let weight, let bias)):
                weights.append(weight.converted(to: Double.self))
                biases.append(bias.map(Double.init))
                rectified.append(false)
                positions.append(i)
            case (.relu, _):
                guard let last = rectified.indices.last, !rectified[last] else {
                    throw EdgePruningError.unsupportedLayer("\(scorer): ReLU node \(name) does not follow a Dense layer directly (after dropout or Flatten at most)")
                }
                rectified[last] = true
            case (.dropout, _), (.flatten, _), (.identity, _):
                continue
            default:
                throw EdgePruningError.unsupportedLayer("\(scorer): node \(name) (\(spec)) is not a Dense, ReLU, dropout or Flatten layer; the Hessian–vector product covers chains of Dense and ReLU layers")
            }
        }
        guard let last = rectified.last, !last, architecture.layers.last.map({ if case .dense = $0 { true } else { false } }) ?? false else {
            throw EdgePruningError.unsupportedLayer("\(scorer): the network must end in a Dense layer (its logits)")
        }
    }

    /// The forward pass: every Dense layer's input `h_{l−1}` and pre-activation `a_l`.
    private func forward(_ x: Matrix<Double>) -> (inputs: [Matrix<Double>], preactivations: [Matrix<Double>]) {
        var h = x, inputs = [Matrix<Double>](), preactivations = [Matrix<Double>]()
        for l in weights.indices {
            inputs.append(h)
            var a = h.multiplied(by: weights[l], transposingOther: true)
            for r in 0..<a.rows { for j in 0..<a.columns { a.elements[r * a.columns + j] += biases[l][j] } }
            preactivations.append(a)
            h = rectified[l] ? a.mapped { max($0, 0) } : a
        }
        return (inputs, preactivations)
    }

    /// `softmax(a / T)` row by row, shifted by the row's maximum.
    private static func softmax(_ a: Matrix<Double>, temperature: Double) -> Matrix<Double> {
        var p = a
        for r in 0..<a.rows {
            let row = r * a.columns ..< (r + 1) * a.columns
            let top = a.elements[row].max()!
            var sum = 0.0
            for e in row { p.elements[e] = Foundation.exp((a.elements[e] - top) / temperature); sum += p.elements[e] }
            for e in row { p.elements[e] /= sum }
        }
        return p
    }

    /// The mean tempered cross-entropy of the batch and its gradient with respect to every
    /// Dense layer's weights (out × in).
    func gradient(_ x: Matrix<Double>, labels: [Int32], temperature: Double) -> (loss: Double, gradients: [Matrix<Double>]) {
        let (inputs, preactivations) = forward(x)
        let n = Double(x.rows)
        let p = Self.softmax(preactivations.last!, temperature: temperature)
        let loss = labels.enumerated().reduce(0.0) { $0 - Foundation.log(p.elements[$1.offset * p.columns + Int($1.element)]) } / n
        var delta = p
        for (i, y) in labels.enumerated() { delta.elements[i * p.columns + Int(y)] -= 1 }
        delta = delta.mapped { $0 / (n * temperature) }
        var gradients = [Matrix<Double>](repeating: Matrix(rows: 0, columns: 0), count: weights.count)
        for l in weights.indices.reversed() {
            gradients[l] = delta.multiplied(by: inputs[l], transposingSelf: true)
            if l > 0 { delta = Self.rectify(delta.multiplied(by: weights[l]), where: preactivations[l - 1], rectified[l - 1]) }
        }
        return (loss, gradients)
    }

    /// `H v`: the Hessian of the mean tempered cross-entropy with respect to the Dense weights
    /// applied to `direction` (one out × in matrix per Dense layer), by the R-operator.
    func hessianVectorProduct(_ x: Matrix<Double>, labels: [Int32], temperature: Double, direction v: [Matrix<Double>]) -> [Matrix<Double>] {
        let (inputs, preactivations) = forward(x)
        let n = Double(x.rows)
        // R-forward: R{h_{l−1}} for every layer, R{a_L}.
        var rInputs = [Matrix<Double>](), rH = Matrix<Double>(rows: x.rows, columns: x.columns), rA = rH
        for l in weights.indices {
            rInputs.append(rH)
            rA = rH.multiplied(by: weights[l], transposingOther: true)
            rA.add(inputs[l].multiplied(by: v[l], transposingOther: true))
            rH = Self.rectify(rA, where: preactivations[l], rectified[l])
        }
        let p = Self.softmax(preactivations.last!, temperature: temperature)
        var delta = p
        for (i, y) in labels.enumerated() { delta.elements[i * p.columns + Int(y)] -= 1 }
        delta = delta.mapped { $0 / (n * temperature) }
        var rDelta = p
        for r in 0..<p.rows {
            let row = r * p.columns ..< (r + 1) * p.columns
            let mean = row.reduce(0.0) { $0 + p.elements[$1] * rA.elements[$1] / temperature }
            for e in row { rDelta.elements[e] = p.elements[e] * (rA.elements[e] / temperature - mean) / (n * temperature) }
        }
        var products = [Matrix<Double>](repeating: Matrix(rows: 0, columns: 0), count: weights.count)
        for l in weights.indices.reversed() {
            var product = rDelta.multiplied(by: inputs[l], transposingSelf: true)
            product.add(delta.multiplied(by: rInputs[l], transposingSelf: true))
            products[l] = product
            if l > 0 {
                var back = rDelta.multiplied(by: weights[l])
                back.add(delta.multiplied(by: v[l]))
                rDelta = Self.rectify(back, where: preactivations[l - 1], rectified[l - 1])
                delta = Self.rectify(delta.multiplied(by: weights[l]), where: preactivations[l - 1], rectified[l - 1])
            }
        }
        return products
    }

    /// `m ⊙ 1[a > 0]` when `rectified`, else `m`.
    private static func rectify(_ m: Matrix<Double>, where a: Matrix<Double>, _ rectified: Bool) -> Matrix<Double> {
        guard rectified else { return m }
        var r = m
        for e in r.elements.indices where !(a.elements[e] > 0) { r.elements[e] = 0 }
        return r
    }
}

private extension Matrix where Scalar == Double {
    /// `f` applied to every entry.
    func mapped(_ f: (Double) -> Double) -> Matrix {
        Matrix(rows: rows, columns: columns, elements: elements.map(f))
    }
}
