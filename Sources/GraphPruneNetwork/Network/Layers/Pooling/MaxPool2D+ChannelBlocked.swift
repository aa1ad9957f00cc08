import GraphPruneIO
import GraphPruneNumerics

extension MaxPool2D {
    /// `pool` on channel-blocked samples (``ActivationLayout/channelBlocked16``, `C` a multiple of
    /// 16): each window position's sixteen channels are one vector, compared lane by lane in
    /// row-major window order, a later entry winning only when strictly greater, so the maxima and
    /// the winners (here as channel-blocked offsets) are those of the plain loop. Split by sample
    /// across cores with disjoint writes.
    /// - Complexity: O(batch · C · H' · W' · k²) comparisons, sixteen per instruction.
    static func poolChannelBlocked(
        _ x: UnsafePointer<Float>, source: ImageShape, target: ImageShape, window: PoolingWindow, batch: Int,
        into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        let block = ActivationLayout.channelBlock
        let (h, w, blocks) = (source.height, source.width, source.channels / block)
        precondition(blocks * block == source.channels, "MaxPool2D: \(source.channels) channels are not whole blocks of \(block)")
        let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        forEachChunk(of: batch, minimumChunk: max(1, (1 << 16) / source.size)) { samples in
            for b in samples {
                let sample = x + b * source.size
                var o = b * target.size
                for cb in 0..<blocks {
                    for oy in 0..<target.height {
                        let rows = window.span(oy, extent: h)
                        for ox in 0..<target.width {
                            let columns = window.span(ox, extent: w)
                            let first = ((cb * h + rows.lowerBound) * w + columns.lowerBound) * block
                            var value = UnsafeRawPointer(sample + first).loadUnaligned(as: SIMD16<Float>.self)
                            var best = SIMD16(repeating: Int32(first)) &+ lanes
                            for i in rows {
                                for j in columns {
                                    let offset = ((cb * h + i) * w + j) * block
                                    let v = UnsafeRawPointer(sample + offset).loadUnaligned(as: SIMD16<Float>.self)
                                    let wins = v .> value
                                    value.replace(with: v, where: wins)
                                    best.replace(with: SIMD16(repeating: Int32(offset)) &+ lanes, where: wins)
                                }
                            }
                            UnsafeMutableRawPointer(y + o).storeBytes(of: value, as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(argmax + o).storeBytes(of: best, as: SIMD16<Int32>.self)
                            o += block
                        }
                    }
                }
            }
        }
    }
}
