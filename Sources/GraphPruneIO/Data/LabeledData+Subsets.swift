import GraphPruneNumerics

/// Subsets of a labelled set by class: a few classes of many, or a few samples of every class.
extension LabeledData {
    /// The samples of the classes `classes`, relabelled `0..<classes.count` in the order given.
    ///
    /// `restricted(toClasses: [7, 2])` keeps the samples of classes 7 and 2, in their original
    /// order, calling class 7 `0` and class 2 `1`; `classCount` becomes 2. Traps when `classes`
    /// is empty, repeats a class or names one outside `0..<classCount`.
    /// - Complexity: O(count · features).
    public func restricted(toClasses classes: [Int]) -> LabeledData {
        precondition(!classes.isEmpty, "no classes to keep")
        var newLabel = [Int32](repeating: -1, count: classCount)
        for (position, c) in classes.enumerated() {
            precondition(c >= 0 && c < classCount, "class \(c) outside 0..<\(classCount)")
            precondition(newLabel[c] < 0, "class \(c) listed twice")
            newLabel[c] = Int32(position)
        }
        let kept = labels.indices.filter { newLabel[Int(labels[$0])] >= 0 }
        var subset = selecting(kept)
        for i in subset.labels.indices { subset.labels[i] = newLabel[Int(subset.labels[i])] }
        subset.classCount = classes.count
        return subset
    }

    /// `k` samples of every class, chosen at random with `SplitMix64(seed)`.
    ///
    /// Class by class (0, 1, …), a uniform random `k`-subset of that class's samples is drawn; a
    /// class with fewer than `k` samples contributes all it has. The chosen samples keep their
    /// original relative order, so the result depends only on the data, `k` and `seed`. Labels
    /// and `classCount` are unchanged. Traps if `k < 0`.
    /// - Complexity: O(count + classCount · k · features).
    public func fewShot(perClass k: Int, seed: UInt64) -> LabeledData {
        precondition(k >= 0, "negative samples per class")
        var members = [[Int]](repeating: [], count: classCount)
        for (i, label) in labels.enumerated() { members[Int(label)].append(i) }
        var generator = SplitMix64(seed: seed)
        var chosen = [Int]()
        for c in 0..<classCount {
            let take = min(k, members[c].count)
            SeededShuffle.shufflePrefix(&members[c], length: take, using: &generator)
            chosen += members[c][..<take]
        }
        return selecting(chosen.sorted())
    }
}
