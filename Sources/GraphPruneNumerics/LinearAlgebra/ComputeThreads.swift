import CDNNLConvolution

/// The threads of the two pools the numerics run on: OpenBLAS's (dense products, LAPACK) and
/// OpenMP's (oneDNN's convolutions). Both default to all cores; ``set(_:)`` sets both, so a run's
/// one thread count (recorded with its results) fixes every reduction order.
public enum ComputeThreads {
    /// Threads the next BLAS call uses.
    public static var count: Int { BLASThreads.count }
    /// Sets OpenBLAS's and OpenMP's threads (benchmarks state theirs; results are bit-identical
    /// only for the same thread count).
    public static func set(_ threads: Int) {
        BLASThreads.set(threads)
        gp_conv_set_threads(Int32(threads))
    }
    /// Threads OpenMP (oneDNN) uses, 0 before oneDNN is loaded.
    public static var convolutionThreads: Int { Int(gp_conv_threads()) }
}
