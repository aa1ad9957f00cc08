import GraphPruneNumerics

// MARK: Kernels

/// The products of `SparseDense`, on feature-major (`features × batch`, row-major) buffers.
///
/// **Summation order** (what makes them bitwise reproducible and thread-count independent):
/// every result entry is computed by one thread, and
/// - a forward entry is `((b_j + W_{k₀} x₀) + W_{k₁} x₁) + …` over the row's connections in
///   storage order, an input-gradient entry the same over the column view with `0` for `b_j`;
/// - a weight gradient `⟨g, x⟩` of length `batch` is four interleaved partial sums
///   `s_l = Σ_{t ≡ l (mod 4)} g_t x_t` (in increasing `t`), the remainder `t ≥ 4⌊batch/4⌋`
///   added to `s₀`, then `(s₀ + s₁) + (s₂ + s₃)`;
/// - a bias gradient is the plain sum over the batch in order.
/// Products are not fused (no FMA), so the same order gives the same bits on every machine.
///
/// **Speed.** The forward and input-gradient products hold a tile of 48 batch columns of the
/// output row in SIMD registers over all of its connections (one load of the input row's tile
/// per connection, one store per tile), instead of an axpy per connection that reads and writes
/// the whole output row; the weight gradients run eight connections at once, sharing the loads
/// of `g` and giving the processor eight independent addition chains.
extension SparseDense {
    /// Multiply-adds below which a product is not split over the cores: waking a worker costs
    /// tens of microseconds on a loaded machine, about what ~250k multiply-adds take.
    static let parallelWork = 262_144

    /// Items per chunk so that a chunk holds at least `parallelWork` multiply-adds of `work`
    /// spread over `count` items.
    static func minimumChunk(count: Int, work: Int) -> Int { max(1, count * parallelWork / max(1, work)) }

    /// Splits the batch `0..<batch` over the cores at multiples of 4 samples (so that the
    /// register tiles rarely leave single columns), each share at least `parallelWork` of `work`.
    static func forEachShare(ofBatch batch: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let groups = (batch &+ 3) / 4
        forEachChunk(of: groups, minimumChunk: minimumChunk(count: groups, work: work)) { range in
            body((range.lowerBound &* 4)..<min(range.upperBound &* 4, batch))
        }
    }

    /// `dst[c · dstStride + r] ← src[r · srcStride + c]` for `r < rows`, `c < columns`: the
    /// transpose of a `rows × columns` block, in blocks of 16 × 16 so that both sides stay in
    /// cache, each moved as 4 × 4 tiles transposed in registers (`transpose4x4`).
    static func transpose(
        _ src: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
        into dst: UnsafeMutablePointer<Float>, destinationStride: Int
    ) {
        let block = 16
        var c0 = 0
        while c0 < columns {
            let c1 = min(c0 &+ block, columns)
            var r0 = 0
            while r0 < rows {
                let r1 = min(r0 &+ block, rows)
                var r = r0
                while r &+ 4 <= r1 {
                    var c = c0
                    while c &+ 4 <= c1 {
                        transpose4x4(src + (r &* sourceStride &+ c), sourceStride: sourceStride,
                                     into: dst + (c &* destinationStride &+ r), destinationStride: destinationStride)
                        c &+= 4
                    }
                    for rest in c..<c1 {
                        for k in 0..<4 { dst[rest &* destinationStride &+ r &+ k] = src[(r &+ k) &* sourceStride &+ rest] }
                    }
                    r &+= 4
                }
                for rest in r..<r1 {
                    let from = src + rest &* sourceStride
                    for c in c0..<c1 { dst[c &* destinationStride &+ rest] = from[c] }
                }
                r0 = r1
            }
            c0 = c1
        }
    }

    /// Four rows of four, `a_rc`, stored as four columns: two rounds of even/odd interleaving
    /// (`[a00 a02 a10 a12]`, `[a01 a03 a11 a13]`, …, then `[a00 a10 a20 a30]`, …).
    @inline(__always)
    static func transpose4x4(
        _ src: UnsafePointer<Float>, sourceStride: Int, into dst: UnsafeMutablePointer<Float>, destinationStride: Int
    ) {
        let r01 = SIMD8(lowHalf: load4(src), highHalf: load4(src + sourceStride))
        let r23 = SIMD8(lowHalf: load4(src + 2 &* sourceStride), highHalf: load4(src + 3 &* sourceStride))
        let even = SIMD8(lowHalf: r01.evenHalf, highHalf: r23.evenHalf)
        let odd = SIMD8(lowHalf: r01.oddHalf, highHalf: r23.oddHalf)
        store4(even.evenHalf, dst)
        store4(odd.evenHalf, dst + destinationStride)
        store4(even.oddHalf, dst + 2 &* destinationStride)
        store4(odd.oddHalf, dst + 3 &* destinationStride)
    }

    /// `Yᵀ[j, s] = b_j + Σ_k W_k Xᵀ[columns[k], s]` for every output row `j` and the batch
    /// columns `s ∈ samples` (one thread's share of the batch).
    static func affineRows(
        starts: UnsafeBufferPointer<Int>, columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        bias: UnsafeBufferPointer<Float>, inputMajor xt: UnsafePointer<Float>,
        into yt: UnsafeMutablePointer<Float>, batch: Int, samples: Range<Int>
    ) {
        let (s0, count) = (samples.lowerBound, samples.count)
        guard let cols = columns.baseAddress, let w = values.baseAddress else {
            // No connections: every row is its bias.
            for j in 0..<bias.count { (yt + (j &* batch &+ s0)).update(repeating: bias[j], count: count) }
            return
        }
        let x = xt + s0
        for j in 0..<bias.count {
            accumulateRow(
                into: yt + (j &* batch &+ s0), initial: bias[j], count: count, entries: starts[j]..<starts[j + 1],
                source: { x + Int(cols[$0]) &* batch }, weight: { w[$0] })
        }
    }

    /// `∂L/∂b_j = Σ_b Gᵀ[j, b]`, `∂L/∂W_k = ⟨Gᵀ[j, :], Xᵀ[columns[k], :]⟩`, rows split over cores.
    static func gradientRows(
        starts: UnsafeBufferPointer<Int>, columns: UnsafeBufferPointer<Int32>,
        inputMajor xt: UnsafePointer<Float>, gradientMajor gt: UnsafePointer<Float>,
        weightGradient dw: UnsafeMutableBufferPointer<Float>, biasGradient db: UnsafeMutableBufferPointer<Float>,
        batch: Int
    ) {
        let outputs = db.count
        let work = (dw.count + outputs) * batch
        guard let cols = columns.baseAddress, let gradient = dw.baseAddress else {
            // No connections: only the bias gradients.
            for j in 0..<outputs { db[j] = sum(gt + j &* batch, count: batch) }
            return
        }
        forEachChunk(of: outputs, minimumChunk: minimumChunk(count: outputs, work: work)) { range in
            for j in range {
                let g = gt + j &* batch
                db[j] = sum(g, count: batch)
                var k = starts[j]
                let end = starts[j + 1]
                while k &+ 8 <= end {
                    dot8(g, xt, batch: batch, columns: cols + k, into: gradient + k)
                    k &+= 8
                }
                while k < end {
                    gradient[k] = dot(g, xt + Int(cols[k]) &* batch, count: batch)
                    k &+= 1
                }
            }
        }
    }

    /// `(∂L/∂X)ᵀ[i, s] = Σ_e W[positions[e]] Gᵀ[rows[e], s]` over the column view, for every
    /// input `i` and the batch columns `s ∈ samples` (one thread's share of the batch).
    static func gradientColumns(
        starts: UnsafeBufferPointer<Int>, rows: UnsafeBufferPointer<Int32>, positions: UnsafeBufferPointer<Int32>,
        values: UnsafeBufferPointer<Float>, gradientMajor gt: UnsafePointer<Float>,
        into dxt: UnsafeMutablePointer<Float>, batch: Int, samples: Range<Int>
    ) {
        let (s0, count) = (samples.lowerBound, samples.count)
        let inputs = starts.count - 1
        guard let from = rows.baseAddress, let at = positions.baseAddress, let w = values.baseAddress else {
            // No connections: the gradient is zero.
            for i in 0..<inputs { (dxt + (i &* batch &+ s0)).update(repeating: 0, count: count) }
            return
        }
        let g = gt + s0
        for i in 0..<inputs {
            accumulateRow(
                into: dxt + (i &* batch &+ s0), initial: 0, count: count, entries: starts[i]..<starts[i + 1],
                source: { g + Int(from[$0]) &* batch }, weight: { w[Int(at[$0])] })
        }
    }

    /// `y[t] = initial + Σ_{e ∈ entries} weight(e) · source(e)[t]` for `t < count`, summed in
    /// entry order: tiles of 48, then 16, 8 and 4 columns held in registers over all entries,
    /// then single columns (the batch is split at multiples of 4, so these are rare).
    @inline(__always)
    static func accumulateRow(
        into y: UnsafeMutablePointer<Float>, initial: Float, count: Int, entries: Range<Int>,
        source: (Int) -> UnsafePointer<Float>, weight: (Int) -> Float
    ) {
        var t = 0
        while t &+ 48 <= count {
            var a0 = SIMD16<Float>(repeating: initial), a1 = a0, a2 = a0
            for e in entries {
                let x = UnsafeRawPointer(source(e) + t), v = SIMD16<Float>(repeating: weight(e))
                a0 += v * x.loadUnaligned(as: SIMD16<Float>.self)
                a1 += v * x.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                a2 += v * x.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
            }
            let out = UnsafeMutableRawPointer(y + t)
            out.storeBytes(of: a0, as: SIMD16<Float>.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
            out.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
            t &+= 48
        }
        accumulateTile(SIMD16<Float>.self, into: y, at: &t, initial: initial, count: count, entries: entries, source: source, weight: weight)
        accumulateTile(SIMD8<Float>.self, into: y, at: &t, initial: initial, count: count, entries: entries, source: source, weight: weight)
        accumulateTile(SIMD4<Float>.self, into: y, at: &t, initial: initial, count: count, entries: entries, source: source, weight: weight)
        while t < count {
            var a = initial
            for e in entries { a += weight(e) * source(e)[t] }
            y[t] = a
            t &+= 1
        }
    }

    /// `accumulateRow` on tiles of `V.scalarCount` columns from `t` on, while a whole tile fits.
    @inline(__always)
    static func accumulateTile<V: SIMD>(
        _: V.Type, into y: UnsafeMutablePointer<Float>, at t: inout Int, initial: Float, count: Int,
        entries: Range<Int>, source: (Int) -> UnsafePointer<Float>, weight: (Int) -> Float
    ) where V.Scalar == Float {
        while t &+ V.scalarCount <= count {
            var a = V(repeating: initial)
            for e in entries {
                a += V(repeating: weight(e)) * UnsafeRawPointer(source(e) + t).loadUnaligned(as: V.self)
            }
            UnsafeMutableRawPointer(y + t).storeBytes(of: a, as: V.self)
            t &+= V.scalarCount
        }
    }

    /// `⟨x, y⟩` in the order stated above: four interleaved partial sums (one SIMD4 lane each),
    /// the remainder into the first, then `(s₀ + s₁) + (s₂ + s₃)`.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var s = SIMD4<Float>()
        var t = 0
        while t &+ 4 <= count {
            s += load4(x + t) * load4(y + t)
            t &+= 4
        }
        while t < count {
            s[0] += x[t] * y[t]
            t &+= 1
        }
        return total(s)
    }

    /// `out[c] = ⟨g, Xᵀ[columns[c], :]⟩` for eight connections at once, each in exactly `dot`'s
    /// order (so the eight addition chains are independent, one load of `g` serves them all, and
    /// every result equals `dot(g, ·)` bit for bit).
    @inline(__always)
    static func dot8(
        _ g: UnsafePointer<Float>, _ xt: UnsafePointer<Float>, batch: Int, columns: UnsafePointer<Int32>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let x0 = xt + Int(columns[0]) &* batch, x1 = xt + Int(columns[1]) &* batch
        let x2 = xt + Int(columns[2]) &* batch, x3 = xt + Int(columns[3]) &* batch
        let x4 = xt + Int(columns[4]) &* batch, x5 = xt + Int(columns[5]) &* batch
        let x6 = xt + Int(columns[6]) &* batch, x7 = xt + Int(columns[7]) &* batch
        var s0 = SIMD4<Float>(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0
        var t = 0
        while t &+ 4 <= batch {
            let gv = load4(g + t)
            s0 += gv * load4(x0 + t)
            s1 += gv * load4(x1 + t)
            s2 += gv * load4(x2 + t)
            s3 += gv * load4(x3 + t)
            s4 += gv * load4(x4 + t)
            s5 += gv * load4(x5 + t)
            s6 += gv * load4(x6 + t)
            s7 += gv * load4(x7 + t)
            t &+= 4
        }
        while t < batch {
            s0[0] += g[t] * x0[t]
            s1[0] += g[t] * x1[t]
            s2[0] += g[t] * x2[t]
            s3[0] += g[t] * x3[t]
            s4[0] += g[t] * x4[t]
            s5[0] += g[t] * x5[t]
            s6[0] += g[t] * x6[t]
            s7[0] += g[t] * x7[t]
            t &+= 1
        }
        out[0] = total(s0); out[1] = total(s1); out[2] = total(s2); out[3] = total(s3)
        out[4] = total(s4); out[5] = total(s5); out[6] = total(s6); out[7] = total(s7)
    }

    /// `(s₀ + s₁) + (s₂ + s₃)`: the four partial sums of a dot product combined.
    @inline(__always)
    static func total(_ s: SIMD4<Float>) -> Float { (s[0] + s[1]) + (s[2] + s[3]) }

    /// `Σ_t x[t]` in increasing `t`.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var s: Float = 0
        for t in 0..<count { s += x[t] }
        return s
    }

    @inline(__always)
    static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }

    @inline(__always)
    static func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
    }
}
