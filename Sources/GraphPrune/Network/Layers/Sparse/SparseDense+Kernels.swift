// MARK: Kernels

extension SparseDense {
    /// Rows per chunk so that a chunk holds at least ~64k multiply-adds of `work` spread over `count` rows.
    static func minimumChunk(count: Int, work: Int) -> Int { max(1, count * 65_536 / max(1, work)) }

    /// `dst ← srcᵀ`: `src` is `rows × columns`, `dst` is `columns × rows`, both row-major.
    /// Destination rows are split over the cores.
    static func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>) {
        forEachChunk(of: columns, minimumChunk: minimumChunk(count: columns, work: rows * columns)) { range in
            for r in 0..<rows {
                let from = src + r &* columns
                for c in range { dst[c &* rows &+ r] = from[c] }
            }
        }
    }

    /// `Yᵀ[j, :] = b_j + Σ_k W_k Xᵀ[columns[k], :]` for every output row `j`, rows split over cores.
    static func affineRows(
        starts: UnsafeBufferPointer<Int>, columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        bias: UnsafeBufferPointer<Float>, inputMajor xt: UnsafePointer<Float>,
        into yt: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let outputs = bias.count
        let work = (values.count + outputs) * batch
        forEachChunk(of: outputs, minimumChunk: minimumChunk(count: outputs, work: work)) { range in
            for j in range {
                let y = yt + j &* batch
                y.update(repeating: bias[j], count: batch)
                for k in starts[j]..<starts[j + 1] {
                    axpy(values[k], xt + Int(columns[k]) &* batch, y, count: batch)
                }
            }
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
        forEachChunk(of: outputs, minimumChunk: minimumChunk(count: outputs, work: work)) { range in
            for j in range {
                let g = gt + j &* batch
                var sum: Float = 0
                for b in 0..<batch { sum += g[b] }
                db[j] = sum
                for k in starts[j]..<starts[j + 1] { dw[k] = dot(g, xt + Int(columns[k]) &* batch, count: batch) }
            }
        }
    }

    /// `(∂L/∂X)ᵀ[i, :] = Σ_e W[positions[e]] Gᵀ[rows[e], :]` over the column view, inputs split over cores.
    static func gradientColumns(
        starts: UnsafeBufferPointer<Int>, rows: UnsafeBufferPointer<Int32>, positions: UnsafeBufferPointer<Int32>,
        values: UnsafeBufferPointer<Float>, gradientMajor gt: UnsafePointer<Float>,
        into dxt: UnsafeMutablePointer<Float>, batch: Int
    ) {
        let inputs = starts.count - 1
        let work = (values.count + inputs) * batch
        forEachChunk(of: inputs, minimumChunk: minimumChunk(count: inputs, work: work)) { range in
            for i in range {
                let dx = dxt + i &* batch
                dx.update(repeating: 0, count: batch)
                for e in starts[i]..<starts[i + 1] {
                    axpy(values[Int(positions[e])], gt + Int(rows[e]) &* batch, dx, count: batch)
                }
            }
        }
    }

    /// `y ← a x + y` (contiguous, vectorisable).
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for t in 0..<count { y[t] += a * x[t] }
    }

    /// `⟨x, y⟩` with four interleaved partial sums (a fixed order, so deterministic, and
    /// vectorisable without reassociation).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var t = 0
        while t &+ 4 <= count {
            s0 += x[t] * y[t]
            s1 += x[t &+ 1] * y[t &+ 1]
            s2 += x[t &+ 2] * y[t &+ 2]
            s3 += x[t &+ 3] * y[t &+ 3]
            t &+= 4
        }
        while t < count {
            s0 += x[t] * y[t]
            t &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
