import GraphPruneNumerics

/// The random draws of this folder, spelled out so that a seed gives the same order on every
/// toolchain (the standard library's `shuffle(using:)` and `random(in:using:)` do not promise
/// their algorithm).
enum SeededShuffle {
    /// A uniform integer in `0..<bound`, by Lemire's multiply-and-reject method. Traps if `bound ≤ 0`.
    static func index(below bound: Int, using generator: inout SplitMix64) -> Int {
        precondition(bound > 0, "no index below \(bound)")
        let n = UInt64(bound)
        var product = generator.next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = generator.next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }

    /// Fisher–Yates: every permutation of `values` equally likely, in place, no allocation.
    /// - Complexity: O(n).
    static func shuffle(_ values: inout [Int], using generator: inout SplitMix64) {
        shufflePrefix(&values, length: values.count, using: &generator)
    }

    /// The first `length` steps of Fisher–Yates (from the front): afterwards `values[..<length]`
    /// is a uniform random sample, in random order, of the original elements.
    /// - Complexity: O(length).
    static func shufflePrefix(_ values: inout [Int], length: Int, using generator: inout SplitMix64) {
        precondition(length >= 0 && length <= values.count, "prefix length \(length) outside 0…\(values.count)")
        let n = values.count
        for i in 0..<min(length, max(n - 1, 0)) {
            let j = i + index(below: n - i, using: &generator)
            values.swapAt(i, j)
        }
    }

    /// A generator for one (seed, stream) pair, e.g. (run seed, epoch).
    ///
    /// Both numbers pass through SplitMix64's mixing function before being combined, so streams
    /// of neighbouring numbers are unrelated (seeding `SplitMix64(seed + k · γ)` directly would
    /// only shift one sequence by `k` draws).
    static func generator(seed: UInt64, stream: UInt64) -> SplitMix64 {
        var mixedStream = SplitMix64(seed: stream)
        var mixedSeed = SplitMix64(seed: seed ^ mixedStream.next())
        return SplitMix64(seed: mixedSeed.next())
    }
}
