import GraphPruneIO
import GraphPruneNumerics

/// Batch normalisation (Ioffe & Szegedy 2015) over the channels of batch-major activations:
/// PyTorch's `BatchNorm2d` on `C × H × W` samples, `BatchNorm1d` on vectors (`H = W = 1`).
///
/// For channel `c` the statistics run over the `M = B · H · W` values of the batch (row `b`,
/// entries `c·HW ..< (c+1)·HW`):
/// ```
/// μ_c = (1/M) Σ x          σ²_c = (1/M) Σ (x − μ_c)²          (biased, used to normalise)
/// x̂ = (x − μ_c) / √(σ²_c + ε)          y = γ_c x̂ + β_c
/// running_mean ← (1 − m) running_mean + m μ_c
/// running_var  ← (1 − m) running_var  + m σ²_c · M / (M − 1)      (unbiased, as PyTorch)
/// ```
/// in training; in evaluation (and with ``frozenStatistics``, BatchNorm "frozen" for
/// fine-tuning) `μ, σ²` are the running statistics and nothing is updated.
///
/// Backward, with `G = ∂L/∂y` and sums over the channel's `M` values:
/// ```
/// ∂L/∂γ_c = Σ G · x̂          ∂L/∂β_c = Σ G
/// ∂L/∂x   = γ_c / √(σ²_c + ε) · (G − (∂L/∂β_c + x̂ · ∂L/∂γ_c) / M)     (batch statistics)
/// ∂L/∂x   = γ_c / √(σ²_c + ε) · G                                      (running statistics)
/// ```
/// The batch's mean and `1/√(σ² + ε)` are kept from the training forward for its backward.
/// Sums are taken in `Double`, per channel in a fixed order (``ChannelSums``: eight lanes over
/// each sample's run of `H · W` values, samples in order), and the channels are split across cores,
/// so results do not depend on the number of threads.
///
/// State (PyTorch's names): `weight` γ (starts at 1), `bias` β (0), `running_mean` (0),
/// `running_var` (1); γ and β are trained, the running statistics are buffers.
/// - Complexity: O(B · C · H · W) per pass, three passes forward in training, two backward.
public struct BatchNorm: ConnectionlessLayer {
    /// Channels `C` and values per channel per sample `H · W`.
    public let channels: Int, area: Int
    /// The running statistics' update rate `m` (PyTorch's `momentum`, 0.1).
    public let momentum: Float
    /// Added to the variance before the square root (1e-5).
    public let epsilon: Float
    /// Use the running statistics in training too, and do not update them (frozen BatchNorm).
    public var frozenStatistics = false
    /// γ, β (one per channel).
    public var scale: [Float], shift: [Float]
    public var runningMean: [Float], runningVariance: [Float]
    /// `∂L/∂γ`, `∂L/∂β` of the last `backward`.
    public private(set) var scaleGradient: [Float], shiftGradient: [Float]
    /// The mean and `1/√(σ² + ε)` the last forward normalised with, and whether they were the
    /// batch's (training) or the running statistics.
    private var usedMean: [Float], usedInverseDeviation: [Float]
    private var usedBatchStatistics = false

    /// A fresh layer: γ = 1, β = 0, running mean 0 and variance 1.
    public init(channels: Int, area: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.init(
            channels: channels, area: area, momentum: momentum, epsilon: epsilon,
            scale: [Float](repeating: 1, count: channels), shift: [Float](repeating: 0, count: channels),
            runningMean: [Float](repeating: 0, count: channels), runningVariance: [Float](repeating: 1, count: channels))
    }

    /// A layer with the given state (one value per channel each).
    public init(
        channels: Int, area: Int, momentum: Float = 0.1, epsilon: Float = 1e-5,
        scale: [Float], shift: [Float], runningMean: [Float], runningVariance: [Float]
    ) {
        precondition(channels > 0 && area > 0, "BatchNorm needs channels and values per channel")
        precondition([scale, shift, runningMean, runningVariance].allSatisfy { $0.count == channels },
                     "BatchNorm: \(channels) channels need \(channels) values per state vector")
        (self.channels, self.area, self.momentum, self.epsilon) = (channels, area, momentum, epsilon)
        (self.scale, self.shift, self.runningMean, self.runningVariance) = (scale, shift, runningMean, runningVariance)
        scaleGradient = [Float](repeating: 0, count: channels)
        shiftGradient = [Float](repeating: 0, count: channels)
        usedMean = [Float](repeating: 0, count: channels)
        usedInverseDeviation = [Float](repeating: 1, count: channels)
    }

    public func outputSize(inputSize: Int) -> Int {
        precondition(inputSize == channels * area, "BatchNorm expects \(channels)·\(area) inputs, got \(inputSize)")
        return inputSize
    }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        forward(input, into: &output, layouts: .plain, training: training, generator: &generator)
    }

    /// The forward pass in either layout (`BatchNorm+ChannelBlocked.swift`).
    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        forward(input, into: &output, layouts: layouts, training: training, rectifies: false)
    }

    /// A ReLU after BatchNorm costs nothing in the normalising pass: `y = max(0, γ x̂ + β)`
    /// (BatchNorm's backward reads its input, not its output), in either layout it accepts.
    public mutating func fusesReLU(_ layouts: LayerLayouts, batch: Int) -> Bool { accepts(layouts, batch: batch) }

    public mutating func forwardWithReLU(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool,
        generator: inout SplitMix64
    ) {
        forward(input, into: &output, layouts: layouts, training: training, rectifies: true)
    }

    /// The statistics, then `y = a_c · x + b_c` per channel, with `rectifies` `max(0, ·)` of it
    /// (`v > 0 ? v : 0`, as `ReLU` computes it).
    private mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, layouts: LayerLayouts, training: Bool, rectifies: Bool
    ) {
        precondition(layouts.input == layouts.output, "BatchNorm keeps its input's layout")
        let blocked = layouts.input == .channelBlocked16
        let batch = input.rows
        output.requireShape(batch, outputSize(inputSize: input.columns), "BatchNorm output buffer")
        usedBatchStatistics = training && !frozenStatistics && batch > 0
        if usedBatchStatistics {
            batchStatistics(input, blocked: blocked)
        } else {
            for c in 0..<channels {
                usedMean[c] = runningMean[c]
                usedInverseDeviation[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
            }
        }
        let (channels, area) = (self.channels, self.area)
        let (scales, shifts, means, inverses) = (scale, shift, usedMean, usedInverseDeviation)
        guard !blocked else {
            guard batch > 0 else { return }
            Self.normalizeBlocked(input.elements, into: &output.elements, scale: scales, shift: shifts, mean: means, inverse: inverses,
                                  blocks: channels / 16, area: area, batch: batch, rectifies: rectifies)
            return
        }
        input.elements.withUnsafeBufferPointer { x in
            output.elements.withUnsafeMutableBufferPointer { y in
                let (source, target) = (x.baseAddress!, y.baseAddress!)
                forEachChunk(of: channels, minimumChunk: ChannelSums.minimumChannels(batch: batch, area: area)) { range in
                    for c in range {
                        let a = scales[c] * inverses[c], b = shifts[c] - a * means[c]
                        for sample in 0..<batch {
                            let base = (sample * channels + c) * area
                            if rectifies {
                                for p in base..<(base + area) {
                                    let v = a * source[p] + b
                                    target[p] = v > 0 ? v : 0
                                }
                            } else {
                                for p in base..<(base + area) { target[p] = a * source[p] + b }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The batch's per-channel mean and `1/√(σ² + ε)` into `usedMean`/`usedInverseDeviation`,
    /// and the running statistics' update; per channel, or per block of sixteen on
    /// channel-blocked activations (the same sums).
    private mutating func batchStatistics(_ input: Matrix<Float>, blocked: Bool) {
        let batch = input.rows, (channels, area) = (self.channels, self.area)
        let count = Double(batch * area)
        let (momentum, epsilon) = (Double(self.momentum), Double(self.epsilon))
        input.elements.withUnsafeBufferPointer { x in
            usedMean.withUnsafeMutableBufferPointer { usedMean in
                usedInverseDeviation.withUnsafeMutableBufferPointer { usedInverse in
                    runningMean.withUnsafeMutableBufferPointer { runningMean in
                        runningVariance.withUnsafeMutableBufferPointer { runningVariance in
                            let source = x.baseAddress!
                            let (usedMean, usedInverse) = (usedMean.baseAddress!, usedInverse.baseAddress!)
                            let (runningMean, runningVariance) = (runningMean.baseAddress!, runningVariance.baseAddress!)
                            let store = { (c: Int, mean: Double, variance: Double) in
                                usedMean[c] = Float(mean)
                                usedInverse[c] = Float(1 / (variance + epsilon).squareRoot())
                                let unbiased = count > 1 ? variance * count / (count - 1) : variance
                                runningMean[c] = Float(1 - momentum) * runningMean[c] + Float(momentum) * Float(mean)
                                runningVariance[c] = Float(1 - momentum) * runningVariance[c] + Float(momentum) * Float(unbiased)
                            }
                            let minimumChannels = ChannelSums.minimumChannels(batch: batch, area: area)
                            if blocked {
                                forEachChunk(of: channels / 16, minimumChunk: max(1, minimumChannels / 16)) { range in
                                    for k in range {
                                        let (mean, variance) = Self.blockMoments(source, block: k, blocks: channels / 16, area: area, batch: batch, count: count)
                                        for lane in 0..<16 { store(16 * k + lane, mean[lane], variance[lane]) }
                                    }
                                }
                                return
                            }
                            forEachChunk(of: channels, minimumChunk: minimumChannels) { range in
                                for c in range {
                                    let runs = ChannelSums(channel: c, channels: channels, area: area, batch: batch)
                                    let mean = runs.sum(source) / count
                                    store(c, mean, runs.squaredDeviations(source, from: mean) / count)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient, layouts: .plain)
    }

    /// The backward pass in either layout (`BatchNorm+ChannelBlocked.swift`).
    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>,
        layouts: LayerLayouts
    ) {
        precondition(layouts.input == layouts.output, "BatchNorm keeps its input's layout")
        let batch = input.rows, (channels, area) = (self.channels, self.area)
        outputGradient.requireShape(batch, channels * area, "BatchNorm output gradient")
        inputGradient.requireShape(batch, channels * area, "BatchNorm input gradient")
        if layouts.input == .channelBlocked16 {
            backwardBlocked(input: input, outputGradient: outputGradient, inputGradient: &inputGradient)
            return
        }
        let count = Float(batch * area), batchStatistics = usedBatchStatistics
        let (means, inverses, scales) = (usedMean, usedInverseDeviation, scale)
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                inputGradient.elements.withUnsafeMutableBufferPointer { dx in
                    scaleGradient.withUnsafeMutableBufferPointer { dScale in
                        shiftGradient.withUnsafeMutableBufferPointer { dShift in
                            let (source, gradient, target) = (x.baseAddress!, g.baseAddress!, dx.baseAddress!)
                            let (scaleSums, shiftSums) = (dScale.baseAddress!, dShift.baseAddress!)
                            forEachChunk(of: channels, minimumChunk: ChannelSums.minimumChannels(batch: batch, area: area)) { range in
                                for c in range {
                                    let (mean, inverse) = (means[c], inverses[c])
                                    let runs = ChannelSums(channel: c, channels: channels, area: area, batch: batch)
                                    let (sumG, sumGX) = runs.gradientSums(gradient, input: source, mean: mean, inverse: inverse)
                                    scaleSums[c] = Float(sumGX)
                                    shiftSums[c] = Float(sumG)
                                    let a = scales[c] * inverse
                                    let meanG = Float(sumG) / count, meanGX = Float(sumGX) / count
                                    for sample in 0..<batch {
                                        let base = (sample * channels + c) * area
                                        if batchStatistics {
                                            for p in base..<(base + area) {
                                                let normalized = (source[p] - mean) * inverse
                                                target[p] = a * (gradient[p] - meanG - normalized * meanGX)
                                            }
                                        } else {
                                            for p in base..<(base + area) { target[p] = a * gradient[p] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `backward` on channel-blocked activations: the sums per block (split across cores by
    /// block), then `∂L/∂x` (split by sample).
    private mutating func backwardBlocked(input: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>) {
        let batch = input.rows, (blocks, area) = (channels / 16, area)
        guard batch > 0 else {
            zeroFill(&scaleGradient)
            zeroFill(&shiftGradient)
            return
        }
        let (means, inverses) = (usedMean, usedInverseDeviation)
        input.elements.withUnsafeBufferPointer { x in
            outputGradient.elements.withUnsafeBufferPointer { g in
                scaleGradient.withUnsafeMutableBufferPointer { dScale in
                    shiftGradient.withUnsafeMutableBufferPointer { dShift in
                        let (source, gradient) = (x.baseAddress!, g.baseAddress!)
                        let (scaleSums, shiftSums) = (dScale.baseAddress!, dShift.baseAddress!)
                        forEachChunk(of: blocks, minimumChunk: max(1, ChannelSums.minimumChannels(batch: batch, area: area) / 16)) { range in
                            for k in range {
                                let mean = means.withUnsafeBufferPointer { ChannelBlockSums.load($0.baseAddress!, 16 * k) }
                                let inverse = inverses.withUnsafeBufferPointer { ChannelBlockSums.load($0.baseAddress!, 16 * k) }
                                let (sumG, sumGX) = Self.blockGradientSums(gradient, input: source, mean: mean, inverse: inverse,
                                                                            block: k, blocks: blocks, area: area, batch: batch)
                                for lane in 0..<16 {
                                    scaleSums[16 * k + lane] = Float(sumGX[lane])
                                    shiftSums[16 * k + lane] = Float(sumG[lane])
                                }
                            }
                        }
                    }
                }
            }
        }
        Self.inputGradientBlocked(
            outputGradient.elements, input: input.elements, into: &inputGradient.elements, scale: scale, mean: means, inverse: inverses,
            shiftGradient: shiftGradient, scaleGradient: scaleGradient, count: Float(batch * area), batchStatistics: usedBatchStatistics,
            blocks: blocks, area: area, batch: batch)
    }

    /// Visits γ with `∂L/∂γ`, then β with `∂L/∂β` (the running statistics are not parameters).
    public mutating func visitParameters(_ body: (_ values: inout [Float], _ gradient: [Float]) -> Void) {
        body(&scale, scaleGradient)
        body(&shift, shiftGradient)
    }

    /// `weight` γ, `bias` β, `running_mean`, `running_var` (PyTorch's state dict names).
    public var stateTensors: [NamedTensor] {
        [NamedTensor("weight", vector: scale), NamedTensor("bias", vector: shift),
         NamedTensor("running_mean", vector: runningMean), NamedTensor("running_var", vector: runningVariance)]
    }
}

extension BatchNorm {
    /// Per channel: the kept channels' γ, β and running statistics; momentum, ε and the
    /// frozen switch carry over.
    public func restricted(to selection: UnitSelection) -> any Layer {
        let kept = selection.inputs
        var layer = BatchNorm(
            channels: kept?.count ?? channels, area: area, momentum: momentum, epsilon: epsilon,
            scale: UnitSelection.pick(scale, kept), shift: UnitSelection.pick(shift, kept),
            runningMean: UnitSelection.pick(runningMean, kept), runningVariance: UnitSelection.pick(runningVariance, kept))
        layer.frozenStatistics = frozenStatistics
        return layer
    }
}

extension BatchNorm {
    /// Evaluation mode: `y = γ/√(σ² + ε) · x + (β − γ μ/√(σ² + ε))` per channel, with the
    /// running statistics.
    public var pathOperation: PathOperation {
        let scales = (0..<channels).map { scale[$0] / (runningVariance[$0] + epsilon).squareRoot() }
        return .channelAffine(scale: scales, shift: (0..<channels).map { shift[$0] - scales[$0] * runningMean[$0] }, area: area)
    }
}
