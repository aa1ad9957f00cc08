import GraphPruneNumerics

/// A uniformly random connection mask: `kept` of a layer's `rows × columns` positions (out × in,
/// row-major), each subset of that size equally likely up to the generator's modulo reduction.
enum RandomMask {
    /// Partial Fisher–Yates over the row-major positions: step `i` swaps position `i` with one
    /// drawn as `i + next() mod (n − i)`; the first `kept` positions become 1.
    /// - Complexity: O(rows · columns).
    static func uniform(rows: Int, columns: Int, kept: Int, generator: inout SplitMix64) -> Matrix<Float> {
        var order = Array(0..<(rows * columns))
        for i in 0..<kept {
            let j = i + Int(generator.next() % UInt64(order.count - i))
            order.swapAt(i, j)
        }
        var mask = Matrix<Float>(rows: rows, columns: columns)
        for k in order.prefix(kept) { mask.elements[k] = 1 }
        return mask
    }
}
