import GraphPruneNumerics

/// Forward and backward passes outside training, for scores that need gradients (SNIP) or
/// outputs (tests, diagnostics). They work on a copy of the layers, so the model, its buffers
/// and any optimiser state are untouched.
extension Sequential {
    /// The network's outputs (logits, `batch × classes`) for `features` (`batch × inputs`), in
    /// evaluation mode (dropout off).
    /// - Complexity: one forward pass.
    public func outputs(_ features: Matrix<Float>) -> Matrix<Float> {
        var layers = self.layers
        let activations = Sequential.forward(&layers, features)
        return activations[layers.count]
    }

    /// The mean softmax cross-entropy `L` of the batch (`features`: `batch × inputs`, `labels`:
    /// one class each) and `∂L/∂W` of every layer with connections, in evaluation mode (dropout
    /// off, so the gradient is deterministic), by one forward and one backward pass.
    ///
    /// `gradients[i]` is layer `i`'s weight gradient **out × in** (a convolution's
    /// `filters × C·kh·kw`; a sparse layer's as a dense matrix with zeros off its pattern, a
    /// masked convolution's zero off its mask), nil for layers without weights.
    /// - Complexity: one forward and one backward pass (a training step without the update).
    public func weightGradients(features: Matrix<Float>, labels: [Int32]) -> (loss: Double, gradients: [Matrix<Float>?]) {
        precondition(features.rows == labels.count, "\(features.rows) feature rows but \(labels.count) labels")
        var layers = self.layers
        let activations = Sequential.forward(&layers, features)
        let last = layers.count
        var gradient: Matrix<Float>? = Matrix(rows: features.rows, columns: activations[last].columns)
        let loss = SoftmaxCrossEntropy.evaluate(logits: activations[last], labels: labels[...], gradient: &gradient).loss
        var outputGradient = gradient!
        for i in stride(from: last - 1, through: 0, by: -1) {
            var inputGradient = i == 0 && layers[0].skipsInputGradient
                ? Matrix<Float>(rows: 0, columns: 0)
                : Matrix<Float>(rows: features.rows, columns: activations[i].columns)
            layers[i].backward(
                input: activations[i], output: activations[i + 1], outputGradient: outputGradient,
                inputGradient: &inputGradient)
            outputGradient = inputGradient
        }
        let gradients: [Matrix<Float>?] = layers.map { layer in
            switch layer {
            case let d as Dense: return d.weightGradient
            case let c as Conv2D: return c.weightGradient
            case let s as SparseDense:
                var g = Matrix<Float>(rows: s.outputs, columns: s.inputs)
                for (k, c) in s.pattern().enumerated() { g[c.output, c.input] = s.weightGradient[k] }
                return g
            default: return nil
            }
        }
        return (loss, gradients)
    }

    /// Activations `a[0…L]` of an evaluation-mode forward pass through `layers`.
    private static func forward(_ layers: inout [any Layer], _ features: Matrix<Float>) -> [Matrix<Float>] {
        var generator = SplitMix64(seed: 0)  // unused in evaluation mode
        var activations = [features]
        for i in layers.indices {
            let columns = layers[i].outputSize(inputSize: activations[i].columns)
            var output = Matrix<Float>(rows: features.rows, columns: columns)
            layers[i].forward(activations[i], into: &output, training: false, generator: &generator)
            activations.append(output)
        }
        return activations
    }
}
