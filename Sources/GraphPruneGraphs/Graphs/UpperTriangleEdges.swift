import Foundation
import GraphPruneNumerics

/// The edges `i–j`, `i < j`, of an undirected graph collected row by row (the upper triangle of
/// its adjacency), then turned into the symmetric CSR adjacency of a `WeightedGraph`.
///
/// Builders that discover edges in row order (the similarity graph's tiles) append rows in
/// batches, each row's entries in increasing column order; `symmetricGraph()` adds the mirrored
/// lower entries. Batches are kept as separate chunks, so appending never copies earlier ones.
struct UpperTriangleEdges {
    private struct Chunk {
        var firstRow: Int
        var counts: [Int]
        var columns: [Int32]
        var values: [Double]

        /// Writes the entries of this chunk that belong to output rows `rows`: row `i`'s own
        /// upper entries after its lower ones, and the mirror `j → i` at `cursor[j]`.
        func scatter(
            into c: UnsafeMutablePointer<Int32>, _ v: UnsafeMutablePointer<Double>, rows: Range<Int>,
            starts: [Int], lowerCount: [Int], cursor: UnsafeMutablePointer<Int>
        ) {
            var k = 0
            for (r, count) in counts.enumerated() {
                let i = firstRow + r
                if rows.contains(i) {
                    let own = starts[i] + lowerCount[i]
                    for e in 0..<count { c[own + e] = columns[k + e]; v[own + e] = values[k + e] }
                }
                for e in 0..<count {
                    let j = Int(columns[k + e])
                    if rows.contains(j) {
                        c[cursor[j]] = Int32(i)
                        v[cursor[j]] = values[k + e]
                        cursor[j] += 1
                    }
                }
                k += count
            }
        }
    }

    let nodeCount: Int
    private var rowsAppended = 0
    private var chunks: [Chunk] = []

    init(nodeCount: Int) { self.nodeCount = nodeCount }

    /// Appends the next `counts.count` rows; `fill(r, columns, values)` writes batch row `r`'s
    /// `counts[r]` entries (increasing columns, all greater than the row's own id).
    mutating func appendRows(
        counts: [Int], fill: (Int, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Double>) -> Void
    ) {
        let total = counts.reduce(0, +)
        // Each array's count is set only after `fill` has written every entry (trivial types).
        var values = [Double]()
        let columns = [Int32](unsafeUninitializedCapacity: total) { c, initializedColumns in
            values = [Double](unsafeUninitializedCapacity: total) { v, initializedValues in
                var offset = 0
                for (r, count) in counts.enumerated() {
                    fill(r, c.baseAddress! + offset, v.baseAddress! + offset)
                    offset += count
                }
                initializedValues = total
            }
            initializedColumns = total
        }
        chunks.append(Chunk(firstRow: rowsAppended, counts: counts, columns: columns, values: values))
        rowsAppended += counts.count
    }

    /// The graph: row `u` lists its lower neighbours (mirrored from earlier rows, increasing)
    /// and then its own upper entries, so every CSR row comes out sorted.
    /// - Complexity: O(n + m).
    func symmetricGraph() -> WeightedGraph {
        let n = nodeCount
        precondition(rowsAppended == n, "every row must be appended")
        var lowerCount = [Int](repeating: 0, count: n)
        var starts = [Int](repeating: 0, count: n + 1)
        for chunk in chunks {
            for j in chunk.columns { lowerCount[Int(j)] += 1 }
        }
        for chunk in chunks {
            for (r, count) in chunk.counts.enumerated() {
                let u = chunk.firstRow + r
                starts[u + 1] = starts[u] + lowerCount[u] + count
            }
        }
        let stored = starts[n]
        var cursor = Array(starts.prefix(n))
        // Split the output rows into parts of about equal storage; each part is written by one
        // thread, which scans all upper entries and keeps those that land in its rows.
        let parts = max(1, min(ProcessInfo.activeCores, stored / 1_000_000))
        var bounds = [0]
        for p in 1..<parts { bounds.append(starts.firstIndex { $0 >= p * stored / parts }! ) }
        bounds.append(n)
        // Every entry is written by exactly one part; each array's count is set only after that.
        var values = [Double]()
        let columns = [Int32](unsafeUninitializedCapacity: stored) { c, initializedColumns in
            values = [Double](unsafeUninitializedCapacity: stored) { v, initializedValues in
                cursor.withUnsafeMutableBufferPointer { cursor in
                    let c = c.baseAddress!, v = v.baseAddress!, cursor = cursor.baseAddress!
                    forEachChunk(of: parts, minimumChunk: 1) { partRange in
                        for part in partRange {
                            let rows = bounds[part]..<bounds[part + 1]
                            for chunk in chunks { chunk.scatter(into: c, v, rows: rows, starts: starts, lowerCount: lowerCount, cursor: cursor) }
                        }
                    }
                }
                initializedValues = stored
            }
            initializedColumns = stored
        }
        return WeightedGraph(adjacency: CSRMatrix(rows: n, columns: n, rowStarts: starts, columnIndices: columns, values: values))
    }
}
