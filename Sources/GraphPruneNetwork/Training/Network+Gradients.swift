import GraphPruneIO
import GraphPruneNumerics

/// Forward and backward passes outside training, for scores that need gradients (SNIP) or
/// outputs (tests, diagnostics). They work on a copy of the layers, so the model, its buffers
/// and any optimiser state are untouched.
extension Network {
    /// The network's outputs (logits, `batch × classes`) for `features` (`batch × inputs`), in
    /// evaluation mode (dropout off, BatchNorm's running statistics).
    /// - Complexity: one forward pass.
    public func outputs(_ features: Matrix<Float>) -> Matrix<Float> {
        var layers = self.layers
        var w = Workspace(batch: features.rows, network: self, gradients: false)
        w.activations[0] = features
        var generator = SplitMix64(seed: 0)  // unused in evaluation mode
        Network.forward(&layers, architecture: architecture, &w, training: false, generator: &generator)
        return w.activations[layers.count]
    }

    /// The mean softmax cross-entropy `L` of the batch (`features`: `batch × inputs`, `labels`:
    /// one class each) and `∂L/∂W` of every layer with connections, in evaluation mode (dropout
    /// off, BatchNorm's running statistics, so the gradient is deterministic), by one forward
    /// and one backward pass.
    ///
    /// `gradients[i]` is node `i`'s weight gradient **out × in** (`Layer.connections`: a
    /// convolution's `filters × C·kh·kw`; a sparse layer's as a dense matrix with zeros off its
    /// pattern, a masked convolution's zero off its mask), nil for nodes without weights.
    /// - Complexity: one forward and one backward pass (a training step without the update).
    public func weightGradients(features: Matrix<Float>, labels: [Int32]) -> (loss: Double, gradients: [Matrix<Float>?]) {
        let pass = evaluationPass(features: features, labels: labels)
        return (pass.loss, pass.layers.map { $0.connections?.gradient })
    }

    /// Every activation of the batch (`activations[0]` = `features`, `[i + 1]` = node `i`'s
    /// output, each `batch × features`) and `∂L/∂activation` of each (L the batch's mean
    /// softmax cross-entropy; `gradients[0]` is not computed and left zero), in evaluation mode,
    /// by one forward and one backward pass: what data-aware neuron scores (first-order
    /// Taylor, mean activation) and RigL's dense gradients read.
    /// - Complexity: one forward and one backward pass.
    public func activationGradients(features: Matrix<Float>, labels: [Int32]) -> (activations: [Matrix<Float>], gradients: [Matrix<Float>]) {
        let pass = evaluationPass(features: features, labels: labels)
        return (pass.workspace.activations, pass.workspace.gradients)
    }

    /// One forward and one backward pass in evaluation mode on copies of the layers: the loss,
    /// the layers holding their parameter gradients, and the workspace's activations and
    /// activation gradients.
    private func evaluationPass(features: Matrix<Float>, labels: [Int32]) -> (loss: Double, layers: [any Layer], workspace: Workspace) {
        precondition(features.rows == labels.count, "\(features.rows) feature rows but \(labels.count) labels")
        var layers = self.layers
        var w = Workspace(batch: features.rows, network: self, gradients: true)
        w.activations[0] = features
        var generator = SplitMix64(seed: 0)  // unused in evaluation mode
        Network.forward(&layers, architecture: architecture, &w, training: false, generator: &generator)
        let last = layers.count
        var gradient: Matrix<Float>? = Matrix(rows: features.rows, columns: w.activations[last].columns)
        let loss = SoftmaxCrossEntropy.evaluate(logits: w.activations[last], labels: labels[...], gradient: &gradient).loss
        w.gradients[last] = gradient!
        Network.backward(&layers, architecture: architecture, readers: readers, &w, through: 0)
        return (loss, layers, w)
    }
}
