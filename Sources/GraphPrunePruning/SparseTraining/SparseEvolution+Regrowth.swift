import GraphPruneNetwork
import GraphPruneNumerics

extension SparseEvolution {
    /// The positions `(output, input)` SET / CenSET regrow in `layer` after removing the stored
    /// connections flagged in `removing` (storage order): `target − kept` positions (none if
    /// that is ≤ 0) drawn uniformly without replacement from the positions that are empty after
    /// the removal, in the order drawn.
    ///
    /// While at least twice as many positions are empty as are needed, a position is drawn as
    /// `⌊u · in · out⌋` (u = `nextUnitDouble()`, row-major index) and redrawn while occupied, as
    /// the reference code does; otherwise the empty positions are listed and a partial
    /// Fisher–Yates shuffle picks them. Both give a uniformly random subset.
    /// - Complexity: O(in·out / 64) for the occupancy bitmap plus O(needed) expected draws, or
    ///   O(in·out) when the layer is nearly full.
    static func regrowthPositions(
        of layer: SparseDense, removing: [Bool], target: Int, generator: inout SplitMix64
    ) -> [(output: Int, input: Int)] {
        precondition(removing.count == layer.connectionCount, "one removal flag per stored connection")
        let total = layer.inputs * layer.outputs
        precondition(target <= total, "a layer of \(total) positions cannot hold \(target) connections")
        let kept = removing.reduce(0) { $0 + ($1 ? 0 : 1) }
        let needed = target - kept
        guard needed > 0 else { return [] }
        var occupied = [UInt64](repeating: 0, count: (total + 63) / 64)
        for j in 0..<layer.outputs {
            for p in layer.rowStarts[j]..<layer.rowStarts[j + 1] where !removing[p] {
                let index = j * layer.inputs + Int(layer.columns[p])
                occupied[index >> 6] |= 1 << UInt64(index & 63)
            }
        }
        let empty = total - kept
        var chosen = [(output: Int, input: Int)]()
        chosen.reserveCapacity(needed)
        if empty >= 2 * needed {
            while chosen.count < needed {
                let index = Swift.min(total - 1, Int(generator.nextUnitDouble() * Double(total)))
                let bit: UInt64 = 1 << UInt64(index & 63)
                guard occupied[index >> 6] & bit == 0 else { continue }
                occupied[index >> 6] |= bit
                chosen.append((index / layer.inputs, index % layer.inputs))
            }
        } else {
            var free = [Int]()
            free.reserveCapacity(empty)
            for index in 0..<total where occupied[index >> 6] & (1 << UInt64(index & 63)) == 0 { free.append(index) }
            for n in 0..<needed {
                let pick = n + Swift.min(free.count - n - 1, Int(generator.nextUnitDouble() * Double(free.count - n)))
                free.swapAt(n, pick)
                chosen.append((free[n] / layer.inputs, free[n] % layer.inputs))
            }
        }
        return chosen
    }
}
