import Foundation
import GraphPruneNumerics

/// Softmax followed by cross-entropy against integer class labels, averaged over the batch —
/// PyTorch's `nn.CrossEntropyLoss()` on logits, Keras's `SparseCategoricalCrossentropy(from_logits: true)`.
///
/// For a `batch × classes` logit matrix `Z` (row `b` = sample `b`) and labels `y_b`:
/// ```
/// lse_b = m_b + log Σ_j exp(Z_bj − m_b),   m_b = max_j Z_bj         (stable log-sum-exp)
/// L     = (1/B) Σ_b (lse_b − Z_b,y_b)
/// ∂L/∂Z_bj = (softmax(Z_b)_j − [j = y_b]) / B,   softmax(Z_b)_j = exp(Z_bj − lse_b)
/// ```
/// Sums, logarithms and exponentials are taken in `Double`; the gradient is rounded to `Float`
/// when written. A prediction is the row's argmax, ties going to the lowest class index.
public struct SoftmaxCrossEntropy: Sendable {
    private init() {}

    /// Mean cross-entropy of `logits` against `labels`, and the number of correct predictions.
    ///
    /// - Parameters:
    ///   - logits: `batch × classes`, one row per sample.
    ///   - labels: one class index in `0..<classes` per row (traps otherwise).
    ///   - gradient: when non-nil, a `batch × classes` buffer that receives `∂L/∂logits`
    ///     (overwritten in place; nothing is allocated).
    /// - Returns: the mean loss (NaN or ∞ if a logit is not finite) and the count of rows whose
    ///   argmax equals the label.
    /// - Complexity: O(batch · classes), with `classes` exponentials per row (twice with a gradient).
    public static func evaluate(
        logits: Matrix<Float>, labels: ArraySlice<Int32>, gradient: inout Matrix<Float>?
    ) -> (loss: Double, correct: Int) {
        let (batch, classes) = (logits.rows, logits.columns)
        precondition(labels.count == batch, "\(batch) logit rows but \(labels.count) labels")
        precondition(classes > 0 || batch == 0, "softmax over zero classes")
        if let g = gradient {
            g.requireShape(batch, classes, "loss gradient buffer")
        }
        guard batch > 0 else { return (0, 0) }
        var total = 0.0
        var correct = 0
        let invBatch = 1 / Double(batch)
        logits.elements.withUnsafeBufferPointer { z in
            for (b, label) in zip(0..<batch, labels) {
                let y = Int(label)
                precondition(y >= 0 && y < classes, "label \(label) of row \(b) is outside 0..<\(classes)")
                let row = UnsafeBufferPointer(rebasing: z[(b * classes)..<((b + 1) * classes)])
                let (lse, argmax) = logSumExpAndArgmax(row)
                total += lse - Double(row[y])
                if argmax == y { correct += 1 }
                gradient?.elements.withUnsafeMutableBufferPointer { g in
                    let out = UnsafeMutableBufferPointer(rebasing: g[(b * classes)..<((b + 1) * classes)])
                    writeGradient(row, logSumExp: lse, label: y, scale: invBatch, into: out)
                }
            }
        }
        return (total * invBatch, correct)
    }

    /// `evaluate(logits:labels:gradient:)` with the labels as an array.
    public static func evaluate(
        logits: Matrix<Float>, labels: [Int32], gradient: inout Matrix<Float>?
    ) -> (loss: Double, correct: Int) {
        evaluate(logits: logits, labels: labels[...], gradient: &gradient)
    }

    /// Loss and correct count without a gradient (evaluation).
    public static func evaluate(logits: Matrix<Float>, labels: ArraySlice<Int32>) -> (loss: Double, correct: Int) {
        var none: Matrix<Float>? = nil
        return evaluate(logits: logits, labels: labels, gradient: &none)
    }

    /// `log Σ_j exp(z_j)` computed as `m + log Σ_j exp(z_j − m)` in Double, and the first index of the maximum.
    private static func logSumExpAndArgmax(_ z: UnsafeBufferPointer<Float>) -> (Double, Int) {
        var argmax = 0
        for j in 1..<max(z.count, 1) where z[j] > z[argmax] { argmax = j }
        let m = Double(z[argmax])
        guard m.isFinite else { return (m == -.infinity ? -.infinity : .nan, argmax) }
        var sum = 0.0
        for j in 0..<z.count { sum += exp(Double(z[j]) - m) }
        return (m + log(sum), argmax)
    }

    /// `g_j ← (exp(z_j − lse) − [j = label]) · scale`.
    private static func writeGradient(
        _ z: UnsafeBufferPointer<Float>, logSumExp lse: Double, label: Int, scale: Double,
        into g: UnsafeMutableBufferPointer<Float>
    ) {
        for j in 0..<z.count {
            let p = exp(Double(z[j]) - lse)
            g[j] = Float(((j == label ? p - 1 : p)) * scale)
        }
    }
}
