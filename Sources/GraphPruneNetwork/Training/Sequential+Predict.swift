import GraphPruneNumerics

extension Sequential {
    /// The logits of `features` (`samples × inputs`, batch-major, one sample per row) in
    /// evaluation mode (dropout off): `samples × classes`, row `b` = sample `b`.
    ///
    /// Runs on copies of the layers with buffers of its own, `batch` rows at a time, so the model
    /// is not changed and training buffers are not touched (an inference helper for tests,
    /// pruning checks and predictions, not a hot path: it allocates per chunk).
    /// - Complexity: one forward pass, the products in BLAS.
    public func logits(_ features: Matrix<Float>, batch: Int = 1000) -> Matrix<Float> {
        precondition(batch > 0, "logits: batch \(batch) must be positive")
        let sizes = architecture.sizes
        precondition(sizes.count == layers.count + 1, "the model's architecture does not fit together")
        precondition(features.columns == sizes[0], "logits: the model takes \(sizes[0]) features, got \(features.columns)")
        let classes = sizes[layers.count]
        var result = Matrix<Float>(rows: features.rows, columns: classes)
        var layers = self.layers
        var generator = SplitMix64(seed: 0)  // unused in evaluation mode
        var start = 0
        while start < features.rows {
            let rows = min(batch, features.rows - start)
            var activation = Matrix(
                rows: rows, columns: sizes[0],
                elements: Array(features.elements[(start * sizes[0])..<((start + rows) * sizes[0])]))
            for i in layers.indices {
                var output = Matrix<Float>(rows: rows, columns: sizes[i + 1])
                layers[i].forward(activation, into: &output, training: false, generator: &generator)
                activation = output
            }
            result.elements.replaceSubrange((start * classes)..<((start + rows) * classes), with: activation.elements)
            start += rows
        }
        return result
    }
}
