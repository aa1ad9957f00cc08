import GraphPruneNetwork

extension SparseEvolution {
    /// SET's removal thresholds, exactly as the reference code's `rewireMask` computes them on
    /// the weight matrix `W` (all `in · out` entries, absent connections being zeros):
    /// ```
    /// values = sort(W.ravel())                         (n entries, ascending)
    /// firstZeroPos = argmin |values|                    (first index of the smallest |v|)
    /// lastZeroPos  = n − argmin |reversed(values)|      (one past its last index)
    /// largestNegative  = values[int((1 − ζ) · firstZeroPos)]
    /// smallestPositive = values[int(min(n − 1, lastZeroPos + ζ · (n − lastZeroPos)))]
    /// keep w  ⇔  w > smallestPositive  or  w < largestNegative
    /// ```
    /// (`int` truncates; the products are evaluated in Double as NumPy does). With zeros present,
    /// firstZeroPos = N₋ (negatives) and lastZeroPos = N₋ + zeros, so `N₋ − ⌊(1−ζ)N₋⌋` negatives
    /// and `⌊ζN₊⌋ + 1` positives are removed (ties at a threshold with them), and stored zeros too.
    ///
    /// `values` are the stored weights in any order; `implicitZeros` the absent entries. The sort
    /// is over the stored weights only: the zeros are placed virtually.
    /// - Precondition: every value is finite, `values.count + implicitZeros > 0`.
    /// - Complexity: O(nnz log nnz).
    public static func setThresholds(values: [Float], implicitZeros: Int, zeta: Double) -> (largestNegative: Float, smallestPositive: Float) {
        precondition(implicitZeros >= 0 && values.count + implicitZeros > 0, "SET thresholds of an empty matrix")
        let sorted = values.sorted()
        let negatives = sorted.partitioningIndex { $0 >= 0 }
        let zerosStored = sorted[negatives...].prefix { $0 == 0 }.count
        let zeros = implicitZeros + zerosStored
        let n = sorted.count + implicitZeros
        // The sorted values of the whole matrix: negatives, all zeros, positives.
        func element(_ i: Int) -> Float {
            if i < negatives { return sorted[i] }
            if i < negatives + zeros { return 0 }
            return sorted[i - implicitZeros]
        }
        // The smallest |v| and the virtual counts of values < −m and ≤ m.
        let firstZeroPos: Int, lastZeroPos: Int
        if zeros > 0 {
            firstZeroPos = negatives
            lastZeroPos = negatives + zeros
        } else {
            let below = negatives > 0 ? -sorted[negatives - 1] : Float.infinity
            let above = negatives < sorted.count ? sorted[negatives] : Float.infinity
            let m = Swift.min(below, above)
            firstZeroPos = sorted.partitioningIndex { $0 >= -m }
            lastZeroPos = sorted.partitioningIndex { $0 > m }
        }
        let negativeIndex = Int((1 - zeta) * Double(firstZeroPos))
        let positiveIndex = Int(Swift.min(Double(n - 1), Double(lastZeroPos) + zeta * Double(n - lastZeroPos)))
        return (element(negativeIndex), element(positiveIndex))
    }

    /// Which stored connections of `layer` (storage order) SET removes at rate `zeta`.
    /// Throws when a weight is not finite (training diverged).
    static func setRemoval(of layer: SparseDense, zeta: Double, position: Int) throws -> [Bool] {
        let total = layer.inputs * layer.outputs
        guard total > 0 else { return [] }
        if let bad = layer.values.firstIndex(where: { !$0.isFinite }) {
            throw SparseEvolutionError("SET: layer \(position) has a non-finite weight (\(layer.values[bad])); training diverged")
        }
        let t = setThresholds(values: layer.values, implicitZeros: total - layer.connectionCount, zeta: zeta)
        return layer.values.map { !($0 > t.smallestPositive || $0 < t.largestNegative) }
    }
}

extension Array {
    /// The first index whose element satisfies `belongs`, for an array partitioned so that
    /// every such element follows every other one. O(log n).
    fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var (low, high) = (0, count)
        while low < high {
            let mid = (low + high) / 2
            if belongs(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
