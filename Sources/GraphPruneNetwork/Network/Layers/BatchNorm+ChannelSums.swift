/// The sums BatchNorm takes over one channel's values in a batch-major activation (`batch` rows
/// of `C × area` values; channel `c` of sample `b` is the run `(b·C + c)·area ..< … + area`), in
/// `Double` and in one fixed order: within each run, eight lanes take the entries `0, 8, 16, …`,
/// `1, 9, 17, …` and so on (the last `area mod 8` entries go to a scalar sum in order), samples
/// in order; the lanes are added at the end. The order depends on `area` and `batch` only, never
/// on threads, and the eight independent lanes let the additions run in parallel in the core.
///
/// - Complexity: O(batch · area) per sum.
struct ChannelSums {
    let channel: Int, channels: Int, area: Int, batch: Int

    /// Channels per thread below which splitting the channels across cores is not worth it
    /// (about 64 K values a thread).
    static func minimumChannels(batch: Int, area: Int) -> Int { max(1, (1 << 16) / max(1, batch * area)) }

    /// `Σ f(p)` over the channel's entries `p`, in the stated order; `f` takes 8 entries at once
    /// (`wide`) or one (`narrow`).
    @inline(__always)
    private func accumulate(wide: (Int) -> SIMD8<Double>, narrow: (Int) -> Double) -> Double {
        var lanes = SIMD8<Double>(repeating: 0)
        var tail = 0.0
        let whole = area / 8 * 8
        for sample in 0..<batch {
            let base = (sample * channels + channel) * area
            var p = base
            while p < base + whole {
                lanes += wide(p)
                p += 8
            }
            while p < base + area {
                tail += narrow(p)
                p += 1
            }
        }
        var total = 0.0
        for lane in 0..<8 { total += lanes[lane] }
        return total + tail
    }

    /// `Σ x` over the channel.
    func sum(_ x: UnsafePointer<Float>) -> Double {
        accumulate(wide: { SIMD8<Double>(Self.load(x, $0)) }, narrow: { Double(x[$0]) })
    }

    /// `Σ (x − mean)²` over the channel.
    func squaredDeviations(_ x: UnsafePointer<Float>, from mean: Double) -> Double {
        accumulate(
            wide: { p in
                let d = SIMD8<Double>(Self.load(x, p)) - SIMD8<Double>(repeating: mean)
                return d * d
            },
            narrow: { p in
                let d = Double(x[p]) - mean
                return d * d
            })
    }

    /// `(Σ g, Σ g · x̂)` over the channel, `x̂ = (x − mean) · inverse` in Float, as the backward
    /// pass normalises.
    func gradientSums(_ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, mean: Float, inverse: Float) -> (Double, Double) {
        let sumG = accumulate(wide: { SIMD8<Double>(Self.load(g, $0)) }, narrow: { Double(g[$0]) })
        let sumGX = accumulate(
            wide: { p in
                let normalized = (Self.load(x, p) - SIMD8<Float>(repeating: mean)) * SIMD8<Float>(repeating: inverse)
                return SIMD8<Double>(Self.load(g, p)) * SIMD8<Double>(normalized)
            },
            narrow: { p in Double(g[p]) * Double((x[p] - mean) * inverse) })
        return (sumG, sumGX)
    }

    @inline(__always)
    private static func load(_ x: UnsafePointer<Float>, _ p: Int) -> SIMD8<Float> {
        UnsafeRawPointer(x + p).loadUnaligned(as: SIMD8<Float>.self)
    }
}

/// ``ChannelSums`` for the sixteen channels of one block of channel-blocked activations
/// (`ActivationLayout.channelBlocked16`: channel `16k + l` of sample `b` at position `p` of its
/// `H · W` run is entry `((b · blocks + k) · area + p) · 16 + l`), all sixteen at once, one per
/// SIMD lane: each channel's entries are added in exactly ``ChannelSums``'s order (run entry `p`
/// into accumulator `p mod 8`, the last `area mod 8` into the tail, samples in order, then the
/// eight accumulators in order and the tail), so every channel's sum has the plain layout's bits.
///
/// - Complexity: O(batch · area) vector additions per sum (sixteen channels each).
struct ChannelBlockSums {
    let block: Int, blocks: Int, area: Int, batch: Int

    /// The entry of block `block`'s sixteen channels at run position 0 of `sample` (the run's
    /// positions follow, 16 floats apart).
    @inline(__always)
    static func start(sample: Int, block: Int, blocks: Int, area: Int) -> Int { (sample * blocks + block) * area * 16 }

    /// `Σ f(e)` per lane over the block's entries `e` (offsets of sixteen channels), in the stated order.
    @inline(__always)
    func accumulate(_ f: (Int) -> SIMD16<Double>) -> SIMD16<Double> {
        let zero = SIMD16<Double>(repeating: 0)
        var (s0, s1, s2, s3, s4, s5, s6, s7, tail) = (zero, zero, zero, zero, zero, zero, zero, zero, zero)
        let whole = area / 8 * 8
        for sample in 0..<batch {
            let base = Self.start(sample: sample, block: block, blocks: blocks, area: area)
            var p = 0
            while p < whole {
                let e = base + p * 16
                s0 += f(e); s1 += f(e + 16); s2 += f(e + 32); s3 += f(e + 48)
                s4 += f(e + 64); s5 += f(e + 80); s6 += f(e + 96); s7 += f(e + 112)
                p += 8
            }
            while p < area {
                tail += f(base + p * 16)
                p += 1
            }
        }
        return zero + s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + tail
    }

    @inline(__always)
    static func load(_ x: UnsafePointer<Float>, _ e: Int) -> SIMD16<Float> {
        UnsafeRawPointer(x + e).loadUnaligned(as: SIMD16<Float>.self)
    }
}
