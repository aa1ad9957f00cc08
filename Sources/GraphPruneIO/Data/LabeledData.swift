import GraphPruneNumerics

/// A set of labelled samples held in memory: one row of `features` per sample.
///
/// Row `i` of `features` is sample `i`, flattened in C order `C × H × W` as described by `shape`;
/// `labels[i]` is its class, in `0..<classCount`. Pixel data sets store values scaled to [0, 1].
///
/// The type is a value: subsets (`restricted(toClasses:)`, `fewShot(perClass:seed:)`) and
/// standardisation return or change copies, never a shared buffer.
public struct LabeledData: Sendable {
    /// `count × shape.size`, row-major, one sample per row.
    public var features: Matrix<Float>
    /// The class of every sample, in `0..<classCount`.
    public var labels: [Int32]
    /// The shape of one sample.
    public var shape: ImageShape
    /// The number of classes (labels lie in `0..<classCount`; a class may have no sample).
    public var classCount: Int

    /// Labelled samples. Traps when the row count differs from the label count, the column count
    /// from `shape.size`, or a label lies outside `0..<classCount`.
    /// - Complexity: O(count) for the label check.
    public init(features: Matrix<Float>, labels: [Int32], shape: ImageShape, classCount: Int) {
        precondition(features.rows == labels.count, "\(features.rows) feature rows but \(labels.count) labels")
        precondition(features.columns == shape.size, "\(features.columns) feature columns but shape \(shape) has \(shape.size)")
        precondition(classCount > 0, "classCount must be positive")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "a label lies outside 0..<\(classCount)")
        self.features = features
        self.labels = labels
        self.shape = shape
        self.classCount = classCount
    }

    /// The number of samples.
    public var count: Int { labels.count }

    /// How many samples each class has, indexed by class.
    /// - Complexity: O(count).
    public var classSizes: [Int] {
        var sizes = [Int](repeating: 0, count: classCount)
        for label in labels { sizes[Int(label)] += 1 }
        return sizes
    }

    /// The samples at `indices`, in that order (indices may repeat).
    /// - Complexity: O(indices.count · shape.size).
    public func selecting(_ indices: [Int]) -> LabeledData {
        var subset = LabeledData(
            features: Matrix(rows: indices.count, columns: features.columns),
            labels: [Int32](repeating: 0, count: indices.count), shape: shape, classCount: classCount)
        gather(indices[...], into: &subset.features, labels: &subset.labels)
        return subset
    }
}

/// A training set and a test set of the same shape and classes.
public struct DataSplit: Sendable {
    /// The samples a model is fitted (and standardised) on.
    public var train: LabeledData
    /// The held-out samples accuracy is reported on.
    public var test: LabeledData

    /// A split; traps when the two sets differ in sample shape or class count.
    public init(train: LabeledData, test: LabeledData) {
        precondition(train.shape == test.shape, "train shape \(train.shape) differs from test shape \(test.shape)")
        precondition(train.classCount == test.classCount, "train has \(train.classCount) classes, test \(test.classCount)")
        self.train = train
        self.test = test
    }
}
