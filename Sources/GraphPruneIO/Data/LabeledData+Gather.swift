import GraphPruneNumerics

/// Copying the samples of a batch into buffers the training loop owns.
extension LabeledData {
    /// Copies sample `indices[k]` into row `k` of `features` and `labels[k]`, for every `k`.
    ///
    /// The buffers are the caller's and are reused batch after batch, so nothing is allocated
    /// here: **`features` must already be `indices.count × shape.size` and `labels` must already
    /// hold `indices.count` entries** (keep a second pair of buffers for a shorter last batch).
    /// Traps when the sizes differ or an index lies outside `0..<count`.
    /// - Complexity: O(indices.count · shape.size), one block copy per row.
    public func gather<Indices: Collection<Int>>(
        _ indices: Indices, into features: inout Matrix<Float>, labels: inout [Int32]
    ) {
        let columns = self.features.columns
        precondition(
            features.rows == indices.count && features.columns == columns,
            "batch buffer is \(features.rows)×\(features.columns), \(indices.count)×\(columns) needed")
        precondition(labels.count == indices.count, "label buffer holds \(labels.count), \(indices.count) needed")
        let n = count
        self.labels.withUnsafeBufferPointer { sourceLabels in
            labels.withUnsafeMutableBufferPointer { targetLabels in
                for (k, i) in zip(0..., indices) {
                    precondition(i >= 0 && i < n, "sample index \(i) outside 0..<\(n)")
                    targetLabels[k] = sourceLabels[i]
                }
            }
        }
        guard columns > 0 else { return }
        self.features.elements.withUnsafeBufferPointer { source in
            features.elements.withUnsafeMutableBufferPointer { target in
                for (k, i) in zip(0..., indices) {
                    (target.baseAddress! + k * columns).update(from: source.baseAddress! + i * columns, count: columns)
                }
            }
        }
    }
}
