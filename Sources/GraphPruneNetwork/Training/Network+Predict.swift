import GraphPruneIO
import GraphPruneNumerics

extension Network {
    /// The logits of `features` (`samples × inputs`, batch-major, one sample per row) in
    /// evaluation mode (dropout off, BatchNorm's running statistics): `samples × classes`, row
    /// `b` = sample `b`.
    ///
    /// Runs on copies of the layers with buffers of its own, `batch` rows at a time (default
    /// `evaluationBatch`), so the model is not changed and training buffers are not touched (an
    /// inference helper for tests, pruning checks and predictions, not a hot path: it allocates
    /// per chunk).
    /// - Complexity: one forward pass, the products in BLAS.
    public func logits(_ features: Matrix<Float>, batch: Int? = nil) -> Matrix<Float> {
        let batch = batch ?? evaluationBatch
        precondition(batch > 0, "logits: batch \(batch) must be positive")
        let sizes = architecture.sizes
        precondition(sizes.count == layers.count + 1, "the model's architecture does not fit together")
        precondition(features.columns == sizes[0], "logits: the model takes \(sizes[0]) features, got \(features.columns)")
        let classes = sizes[layers.count]
        var result = Matrix<Float>(rows: features.rows, columns: classes)
        var start = 0
        while start < features.rows {
            let rows = min(batch, features.rows - start)
            let chunk = Matrix(
                rows: rows, columns: sizes[0],
                elements: Array(features.elements[(start * sizes[0])..<((start + rows) * sizes[0])]))
            let output = outputs(chunk)
            result.elements.replaceSubrange((start * classes)..<((start + rows) * classes), with: output.elements)
            start += rows
        }
        return result
    }
}
