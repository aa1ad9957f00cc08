/// The order in which an epoch visits the samples, in mini-batches, reshuffled every epoch.
///
/// `startEpoch(e)` puts the indices `0..<count` in a random order that depends only on `seed`
/// and `e` (Fisher–Yates with a generator derived from both), so an epoch can be replayed or a
/// run resumed at epoch `e` with the same batches. Batch `b` is the `b`-th run of `batchSize`
/// indices of that order; the last batch holds the remainder when `batchSize` does not divide
/// `count` (it is kept, not dropped).
///
/// ```swift
/// var batches = BatchIterator(count: train.count, batchSize: 128, seed: seed)
/// for epoch in 0..<epochs {
///     batches.startEpoch(epoch)
///     for b in 0..<batches.batches {
///         let indices = batches.range(of: b)
///         train.gather(indices, into: &x, labels: &y)   // x, y sized indices.count
///         …
///     }
/// }
/// ```
///
/// Nothing is allocated after `init`: reshuffling works in place.
public struct BatchIterator: Sendable {
    /// The number of samples.
    public let count: Int
    /// The samples per batch (the last batch may have fewer).
    public let batchSize: Int
    /// The seed every epoch's order derives from.
    public let seed: UInt64
    /// The current epoch's order: a permutation of `0..<count`.
    public private(set) var order: [Int]
    /// The epoch of the current order.
    public private(set) var epoch: Int

    /// An iterator over `count` samples, already shuffled for epoch 0. Traps if `count < 0` or
    /// `batchSize < 1`.
    public init(count: Int, batchSize: Int, seed: UInt64) {
        precondition(count >= 0, "negative sample count")
        precondition(batchSize > 0, "batch size must be positive")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.order = Array(0..<count)
        self.epoch = 0
        startEpoch(0)
    }

    /// Shuffles the indices for `epoch`: the order depends on `seed` and `epoch` only, not on
    /// the epochs started before.
    /// - Complexity: O(count), no allocation.
    public mutating func startEpoch(_ epoch: Int) {
        self.epoch = epoch
        for i in order.indices { order[i] = i }
        var generator = SeededShuffle.generator(seed: seed, stream: UInt64(bitPattern: Int64(epoch)))
        SeededShuffle.shuffle(&order, using: &generator)
    }

    /// The number of batches per epoch, `⌈count / batchSize⌉`.
    public var batches: Int { (count + batchSize - 1) / batchSize }

    /// The sample indices of batch `batch` (in `0..<batches`): `batchSize` of them, fewer for
    /// the last batch. A view of `order`, valid until the next `startEpoch`.
    public func range(of batch: Int) -> ArraySlice<Int> {
        precondition(batch >= 0 && batch < batches, "batch \(batch) outside 0..<\(batches)")
        let start = batch * batchSize
        return order[start..<min(start + batchSize, count)]
    }

    /// The number of samples of batch `batch`: `batchSize`, or the remainder for the last one.
    public func size(of batch: Int) -> Int {
        precondition(batch >= 0 && batch < batches, "batch \(batch) outside 0..<\(batches)")
        return min(batchSize, count - batch * batchSize)
    }
}
