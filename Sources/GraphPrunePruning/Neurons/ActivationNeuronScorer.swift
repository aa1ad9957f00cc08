import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// Data-aware channel scores from what the channel's consumers read — the activations `A` of
/// the group's space that feed its consumers (after the ReLU in a chain; each residual block's
/// input in a ResNet stage), which pruning the channel removes:
///
/// - `taylor` (Molchanov et al. 2017, first-order Taylor expansion of the loss): with `a` the
///   activation and `g = ∂L/∂a` for sample `b` (L the batch's mean cross-entropy, evaluation
///   mode), channel `k` of area `P_a` in each `a ∈ A`,
///   ```
///   T_k = (1/N) Σ_b | Σ_{a ∈ A} (1/P_a) Σ_p a[b, k, p] · g[b, k, p] |
///   ```
///   the first-order change of sample `b`'s loss when the channel is zeroed, averaged;
/// - `activation`: the mean `|a|` of the channel over samples, positions and `A`;
/// - `apoz`: one minus the average percentage of zeros (Hu et al. 2016), the share of the
///   channel's activations that are not 0 — higher, more used.
///
/// `N` samples: the `sampling.batches` first mini-batches of a `BatchIterator` of
/// `sampling.batchSize`, shuffled by `sampling.seed`. Each statistic is computed once for all
/// groups (one forward and backward pass per batch).
/// - Complexity: `batches` forward and backward passes, plus O(N · Σ_a features) to reduce.
public struct ActivationNeuronScorer: NeuronScorer {
    public enum Statistic: String, CaseIterable, Sendable { case taylor, activation, apoz }

    public var statistic: Statistic
    public var sampling: DataSampling
    public var name: String { statistic.rawValue }
    public var needsData: Bool { true }

    public init(statistic: Statistic, sampling: DataSampling = DataSampling()) {
        (self.statistic, self.sampling) = (statistic, sampling)
    }

    public func scores(of groups: [DependencyGroup], in model: Network, data: LabeledData?) throws -> [NodeScores] {
        guard let data else { throw NeuronPruningError.invalidOption("scorer '\(name)' needs training data (none was given)") }
        guard data.features.columns == model.architecture.sizes.first else {
            throw NeuronPruningError.invalidOption("\(name): the data has \(data.features.columns) features, the model \(model.architecture.sizes.first ?? 0) inputs")
        }
        let iterator = BatchIterator(count: data.count, batchSize: sampling.batchSize, seed: sampling.seed)
        guard iterator.batches >= sampling.batches else {
            throw NeuronPruningError.invalidOption("\(name): \(sampling.batches) batches of \(sampling.batchSize) samples: the training data has only \(data.count) samples (\(iterator.batches) batches)")
        }
        let inputs = model.architecture.inputs, names = model.architecture.names
        let reads = try groups.map { group -> [Int] in
            let read = Array(Set(group.consumers.map { inputs[$0][0] })).sorted()
            guard !read.isEmpty else {
                throw NeuronPruningError.unsupportedGroup(position: group.producers[0], name: names[group.producers[0]], reason: "nothing reads its channels")
            }
            return read
        }
        var statistics = [Int: ChannelStatistics]()
        for (g, read) in zip(groups, reads) {
            for a in read where statistics[a] == nil { statistics[a] = ChannelStatistics(channels: g.units, area: g.area[a]!) }
        }
        for b in 0..<sampling.batches {
            let indices = iterator.range(of: b)
            var features = Matrix<Float>(rows: indices.count, columns: data.features.columns)
            var labels = [Int32](repeating: 0, count: indices.count)
            data.gather(indices, into: &features, labels: &labels)
            let (activations, gradients) = model.activationGradients(features: features, labels: labels)
            for a in statistics.keys.sorted() { statistics[a]!.add(activations[a], gradients[a], taylor: statistic == .taylor) }
        }
        return zip(groups, reads).map { group, read in
            let values: [Double]
            switch statistic {
            case .taylor:
                // Per sample and channel, summed over the activations read; then |·| averaged.
                var sums = [Double](repeating: 0, count: statistics[read[0]]!.taylor.count)
                for a in read { for (k, v) in statistics[a]!.taylor.enumerated() { sums[k] += v } }
                let samples = sums.count / group.units
                values = (0..<group.units).map { k in
                    (0..<samples).reduce(0.0) { $0 + abs(sums[$1 * group.units + k]) } / Double(samples)
                }
            case .activation:
                values = (0..<group.units).map { k in read.reduce(0.0) { $0 + statistics[$1]!.meanMagnitude(k) } / Double(read.count) }
            case .apoz:
                values = (0..<group.units).map { k in read.reduce(0.0) { $0 + statistics[$1]!.nonzeroShare(k) } / Double(read.count) }
            }
            return NodeScores(values: values, diagnostics: ScoreDiagnostics(nodes: group.units))
        }
    }
}

/// Per-channel sums of one activation over the sampled batches.
struct ChannelStatistics {
    let channels: Int, area: Int
    /// Per sample and channel (row-major, sample-major): `(1/P) Σ_p a · g`.
    var taylor: [Double] = []
    var magnitude: [Double]
    var nonzero: [Int]
    var samples = 0

    init(channels: Int, area: Int) {
        (self.channels, self.area) = (channels, area)
        magnitude = [Double](repeating: 0, count: channels)
        nonzero = [Int](repeating: 0, count: channels)
    }

    /// Adds a batch's activation `x` and its gradient `g` (`batch × channels·area`).
    mutating func add(_ x: Matrix<Float>, _ g: Matrix<Float>, taylor withTaylor: Bool) {
        precondition(x.columns == channels * area, "activation of \(x.columns) features for \(channels) × \(area)")
        for b in 0..<x.rows {
            let row = b * x.columns
            for c in 0..<channels {
                var product = 0.0, sum = 0.0, count = 0
                for p in (row + c * area)..<(row + (c + 1) * area) {
                    let v = x.elements[p]
                    if withTaylor { product += Double(v) * Double(g.elements[p]) }
                    sum += Double(abs(v))
                    if v != 0 { count += 1 }
                }
                if withTaylor { taylor.append(product / Double(area)) }
                magnitude[c] += sum
                nonzero[c] += count
            }
        }
        samples += x.rows
    }

    func meanMagnitude(_ c: Int) -> Double { magnitude[c] / Double(max(1, samples * area)) }
    func nonzeroShare(_ c: Int) -> Double { Double(nonzero[c]) / Double(max(1, samples * area)) }
}
