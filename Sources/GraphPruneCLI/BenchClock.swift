import Foundation
import GraphPruneExperiments
import GraphPruneNumerics

/// Timing and printing shared by the `bench` workloads.
enum BenchClock {
    /// Wall-clock seconds of one run of `body` (monotonic clock).
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The median of `repetitions` runs of `body`.
    static func median(repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        median(try (0..<repetitions).map { _ in try seconds(body) })
    }

    static func median(_ times: [Double]) -> Double { times.sorted()[times.count / 2] }

    /// One table row: the name padded to `width`, the seconds, the note.
    static func row(_ name: String, width: Int, _ seconds: Double, _ note: String) {
        print(name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "%9.4f", seconds) + "   " + note)
    }
}

extension Matrix where Scalar == Float {
    /// A `rows × columns` matrix of standard normal draws from `SplitMix64(seed)`, the benchmarks'
    /// synthetic weights.
    static func gaussian(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var generator = SplitMix64(seed: seed)
        var gaussian = GaussianSampler()
        return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in
            Float(gaussian.next(using: &generator))
        })
    }
}
