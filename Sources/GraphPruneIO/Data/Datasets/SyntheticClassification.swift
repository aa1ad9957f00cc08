import Foundation
import GraphPruneNumerics

/// A seeded synthetic classification task: Gaussian clusters around random class centres.
///
/// Every class `c` has a centre `μ_c` drawn from `N(0, s² I)` with `s = 2.8 / √features`, and a
/// sample of class `c` is `μ_c + ε`, `ε ~ N(0, I)`. Two centres are then about
/// `s·√(2·features) ≈ 4` noise standard deviations apart whatever the dimension, so the classes
/// overlap a little: the Bayes-optimal (linear) rule is right about 85–90 % of the time with ten
/// classes, a small MLP clearly beats chance (10 %) and does not reach 100 %.
///
/// Classes are balanced (sizes differ by at most one) and in random order. Train and test share
/// the centres and draw independent noise. Same arguments ⇒ the same data, bit for bit.
public enum SyntheticClassification {
    /// Centre spread times `√features`: the distance between two centres in noise units, over √2.
    static let separation = 2.8
    /// `make`'s default class and feature counts (what `Dataset.synthetic` loads).
    public static let defaultClasses = 10, defaultFeatures = 64

    /// `trainCount` training and `testCount` test samples of `features` features (shape
    /// `1 × 1 × features`) in `classes` classes, all drawn from `SplitMix64` seeded by `seed`.
    /// - Complexity: O((trainCount + testCount + classes) · features).
    public static func make(classes: Int = defaultClasses, features: Int = defaultFeatures, trainCount: Int = 2000, testCount: Int = 500, seed: UInt64) -> DataSplit {
        precondition(classes > 0 && features > 0, "need at least one class and one feature")
        precondition(trainCount >= 0 && testCount >= 0, "negative sample count")
        var generator = SplitMix64(seed: seed)
        var gaussian = GaussianSampler()
        let spread = separation / Double(features).squareRoot()
        let centres = (0..<(classes * features)).map { _ in spread * gaussian.next(using: &generator) }
        let shape = ImageShape.vector(features)
        func sample(_ count: Int) -> LabeledData {
            var labels = (0..<count).map { Int32($0 % classes) }
            var order = Array(0..<count)
            SeededShuffle.shuffle(&order, using: &generator)
            labels = order.map { labels[$0] }
            var elements = [Float](repeating: 0, count: count * features)
            for i in 0..<count {
                let centre = Int(labels[i]) * features
                for j in 0..<features {
                    elements[i * features + j] = Float(centres[centre + j] + gaussian.next(using: &generator))
                }
            }
            return LabeledData(
                features: Matrix(rows: count, columns: features, elements: elements), labels: labels, shape: shape,
                classCount: classes)
        }
        let train = sample(trainCount)
        let test = sample(testCount)
        return DataSplit(train: train, test: test)
    }
}
