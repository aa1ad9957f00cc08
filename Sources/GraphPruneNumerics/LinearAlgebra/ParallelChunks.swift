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
    withoutActuallyEscaping(body) { body in
        // The chunks write disjoint ranges, which is what makes sharing `body` across threads safe.
        nonisolated(unsafe) var job = ChunkJob(body: body, count: count, chunks: chunks)
        let ranOnOpenMP = withUnsafeMutablePointer(to: &job) { job in
            gp_openmp_parallel(chunks, { context, chunk in
                let job = context!.assumingMemoryBound(to: ChunkJob.self)
                job.pointee.run(chunk)
            }, job) == 1
        }
        if !ranOnOpenMP { DispatchQueue.concurrentPerform(iterations: chunks) { job.run($0) } }
    }
}

/// `forEachChunk`'s work: chunk `c` of `chunks` covers `c·count/chunks ..< (c+1)·count/chunks`.
private struct ChunkJob {
    let body: (Range<Int>) -> Void
    let count: Int, chunks: Int

    func run(_ c: Int) { body((c * count / chunks)..<((c + 1) * count / chunks)) }
}

extension ProcessInfo {
    /// Cores available to this process, read once.
    package static let activeCores = ProcessInfo.processInfo.activeProcessorCount
}
