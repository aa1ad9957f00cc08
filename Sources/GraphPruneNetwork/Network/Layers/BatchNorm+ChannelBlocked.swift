import GraphPruneNumerics

/// BatchNorm on channel-blocked activations (`ActivationLayout.channelBlocked16`, input and output
/// in the same layout): the same arithmetic as the plain passes, sixteen channels per vector. The
/// sums run block by block in ``ChannelSums``'s order (``ChannelBlockSums``) and the entrywise
/// passes compute each entry with the plain pass's operations, so every output, gradient and
/// statistic has the plain layout's bits. Sums are split across cores by block, the entrywise
/// passes by sample (a 16-channel layer has one block).
extension BatchNorm {
    /// Plain, or channel-blocked in and out with whole blocks of channels.
    public mutating func accepts(_ layouts: LayerLayouts, batch: Int) -> Bool {
        layouts == .plain || (layouts == .channelBlocked && ActivationLayout.allowsChannelBlocking(channels: channels))
    }

    /// The batch's per-block sums: `(Σ x, Σ (x − μ)²)` per channel of block `k`, where `μ` is
    /// the first sum over `count`.
    static func blockMoments(_ x: UnsafePointer<Float>, block k: Int, blocks: Int, area: Int, batch: Int, count: Double)
        -> (mean: SIMD16<Double>, variance: SIMD16<Double>)
    {
        let runs = ChannelBlockSums(block: k, blocks: blocks, area: area, batch: batch)
        let mean = runs.accumulate { SIMD16<Double>(ChannelBlockSums.load(x, $0)) } / count
        let variance = runs.accumulate { e in
            let d = SIMD16<Double>(ChannelBlockSums.load(x, e)) - mean
            return d * d
        } / count
        return (mean, variance)
    }

    /// `y = a_c · x + b_c` per channel with `a_c = γ_c · inverse_c`, `b_c = β_c − a_c · μ_c` (the
    /// plain pass's Floats), with `rectifies` `max(0, ·)` of it as `ReLU` computes it; by sample.
    static func normalizeBlocked(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, inverse: UnsafePointer<Float>, blocks: Int, area: Int, batch: Int, rectifies: Bool
    ) {
        forEachChunk(of: batch, minimumChunk: max(1, (1 << 16) / max(1, blocks * area * 16))) { samples in
            for sample in samples {
                for k in 0..<blocks {
                    let load = { (p: UnsafePointer<Float>) in ChannelBlockSums.load(p, 16 * k) }
                    let a = load(scale) * load(inverse)
                    let b = load(shift) - a * load(mean)
                    let base = ChannelBlockSums.start(sample: sample, block: k, blocks: blocks, area: area)
                    for e in stride(from: base, to: base + area * 16, by: 16) {
                        var v = a * ChannelBlockSums.load(x, e) + b
                        if rectifies { v.replace(with: 0, where: .!(v .> 0)) }
                        UnsafeMutableRawPointer(y + e).storeBytes(of: v, as: SIMD16<Float>.self)
                    }
                }
            }
        }
    }

    /// `(Σ G, Σ G · x̂)` per channel of block `k`, `x̂ = (x − μ) · inverse` in Float, as
    /// `ChannelSums.gradientSums` takes them.
    static func blockGradientSums(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, mean: SIMD16<Float>, inverse: SIMD16<Float>,
        block k: Int, blocks: Int, area: Int, batch: Int
    ) -> (SIMD16<Double>, SIMD16<Double>) {
        let runs = ChannelBlockSums(block: k, blocks: blocks, area: area, batch: batch)
        let sumG = runs.accumulate { SIMD16<Double>(ChannelBlockSums.load(g, $0)) }
        let sumGX = runs.accumulate { e in
            let normalized = (ChannelBlockSums.load(x, e) - mean) * inverse
            return SIMD16<Double>(ChannelBlockSums.load(g, e)) * SIMD16<Double>(normalized)
        }
        return (sumG, sumGX)
    }

    /// `∂L/∂x` with the plain pass's per-channel Floats: `a = γ · inverse` and, with batch
    /// statistics, `mean_G = (Σ G) / M`, `mean_GX = (Σ G x̂) / M` from the stored `∂L/∂β = Σ G`,
    /// `∂L/∂γ = Σ G x̂`; by sample.
    static func inputGradientBlocked(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
        scale: UnsafePointer<Float>, mean: UnsafePointer<Float>, inverse: UnsafePointer<Float>,
        shiftGradient: UnsafePointer<Float>, scaleGradient: UnsafePointer<Float>, count: Float, batchStatistics: Bool,
        blocks: Int, area: Int, batch: Int
    ) {
        forEachChunk(of: batch, minimumChunk: max(1, (1 << 16) / max(1, blocks * area * 16))) { samples in
            for sample in samples {
                for k in 0..<blocks {
                    let load = { (p: UnsafePointer<Float>) in ChannelBlockSums.load(p, 16 * k) }
                    let (m, i) = (load(mean), load(inverse))
                    let a = load(scale) * i
                    let (meanG, meanGX) = (load(shiftGradient) / count, load(scaleGradient) / count)
                    let base = ChannelBlockSums.start(sample: sample, block: k, blocks: blocks, area: area)
                    for e in stride(from: base, to: base + area * 16, by: 16) {
                        let gradient = ChannelBlockSums.load(g, e)
                        let value: SIMD16<Float>
                        if batchStatistics {
                            let normalized = (ChannelBlockSums.load(x, e) - m) * i
                            value = a * (gradient - meanG - normalized * meanGX)
                        } else {
                            value = a * gradient
                        }
                        UnsafeMutableRawPointer(dx + e).storeBytes(of: value, as: SIMD16<Float>.self)
                    }
                }
            }
        }
    }
}
