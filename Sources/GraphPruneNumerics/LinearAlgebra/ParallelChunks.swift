import CDNNLConvolution
import Dispatch
import Foundation

/// Splits `0..<count` into contiguous chunks processed concurrently, at most one per core and
/// each of at least `minimumChunk` indices. Each index is handled by exactly one chunk, in
/// increasing order, so results that are written per index do not depend on the thread count.
///
/// Once oneDNN has loaded OpenMP (the first convolution), the chunks run on OpenMP's threads, the
/// team the convolutions run on, as PyTorch runs its own entrywise kernels: those threads spin
/// for a while after each convolution, so a pass run on other threads (Dispatch's) would share
/// the cores with them; on the team it starts at once on threads already awake. Before that (and
/// without oneDNN), on Dispatch's threads.
package func forEachChunk(of count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(ProcessInfo.activeCores, count / max(1, minimumChunk)))
    if chunks == 1 { body(0..<count); return }
    // The chunks write disjoint ranges, which is what makes sharing `body` across threads safe.
    nonisolated(unsafe) let body = body
    let range = { @Sendable (c: Int) in (c * count / chunks)..<((c + 1) * count / chunks) }
    let ranOnOpenMP = withoutActuallyEscaping(body) { body in
        var job = ChunkJob(body: body, range: range)
        return withUnsafeMutablePointer(to: &job) { job in
            gp_openmp_parallel(chunks, { context, chunk in
                let job = context!.assumingMemoryBound(to: ChunkJob.self)
                job.pointee.body(job.pointee.range(chunk))
            }, job) == 1
        }
    }
    if ranOnOpenMP { return }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in body(range(c)) }
}

/// What `forEachChunk`'s OpenMP region calls, behind its C context pointer.
private struct ChunkJob {
    let body: (Range<Int>) -> Void
    let range: (Int) -> Range<Int>
}

extension ProcessInfo {
    /// Cores available to this process, read once.
    package static let activeCores = ProcessInfo.processInfo.activeProcessorCount
}
