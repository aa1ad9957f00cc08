import Dispatch
import Foundation

/// Splits `0..<count` into contiguous chunks processed concurrently, at most one per core and
/// each of at least `minimumChunk` indices. Each index is handled by exactly one chunk, in
/// increasing order, so results that are written per index do not depend on the thread count.
package func forEachChunk(of count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(ProcessInfo.activeCores, count / max(1, minimumChunk)))
    if chunks == 1 { body(0..<count); return }
    // The chunks write disjoint ranges, which is what makes sharing `body` across threads safe.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        body((c * count / chunks)..<((c + 1) * count / chunks))
    }
}

extension ProcessInfo {
    /// Cores available to this process, read once.
    package static let activeCores = ProcessInfo.processInfo.activeProcessorCount
}
