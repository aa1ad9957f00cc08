import Foundation
import GraphPruneNetwork
import GraphPruneNumerics

/// How fast a model answers, measured: the median latency of one sample (batch 1) and the
/// median throughput at batch 100 over `rounds` rounds, each model call through
/// `BatchInference` (buffers allocated once, evaluation mode), after one warm-up call of each
/// size. A round times 20 single-sample calls and 3 calls of 100. The numbers depend on the
/// machine, the OpenBLAS/oneDNN thread count (the run records both) and on what else runs:
/// compare runs of one study, made on one machine with one `--jobs`.
///
/// Edge-pruned Dense layers run as CSR below `SparseDense.denseExecutionDensity` and masked
/// dense above; a masked convolution runs dense (zeros included); a neuron-pruned model is a
/// smaller dense one — so the measurement says what each kind of pruning buys at inference.
public struct InferenceTiming: Equatable, Sendable {
    /// Median milliseconds to answer one sample.
    public var latencyMilliseconds: Double
    /// Median samples per second answered in batches of 100.
    public var samplesPerSecond: Double

    /// Times `model` on `samples` (rows; cycled to fill a batch of 100).
    /// - Precondition: `samples` has at least one row of the model's input size.
    public static func measure(_ model: Network, samples: Matrix<Float>, rounds: Int = 7) -> InferenceTiming {
        precondition(samples.rows > 0 && rounds > 0, "InferenceTiming: no samples or rounds")
        let width = samples.columns
        let hundred = Matrix<Float>(rows: 100, columns: width, elements: (0..<100).flatMap { samples.row($0 % samples.rows) })
        let single = Matrix<Float>(rows: 1, columns: width, elements: Array(samples.row(0)))
        var one = BatchInference(model, batch: 1), many = BatchInference(model, batch: 100)
        var logitsOne = Matrix<Float>(rows: 1, columns: one.classes), logitsMany = Matrix<Float>(rows: 100, columns: many.classes)
        one.forward(single, into: &logitsOne)
        many.forward(hundred, into: &logitsMany)
        var latencies = [Double](), throughputs = [Double]()
        for _ in 0..<rounds {
            latencies.append(1000 * seconds { for _ in 0..<20 { one.forward(single, into: &logitsOne) } } / 20)
            throughputs.append(300 / seconds { for _ in 0..<3 { many.forward(hundred, into: &logitsMany) } })
        }
        return InferenceTiming(latencyMilliseconds: median(latencies), samplesPerSecond: median(throughputs))
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
