import CDNNLConvolution

/// The threads of the two pools the numerics run on: OpenBLAS's (dense products, LAPACK) and
/// OpenMP's (oneDNN's convolutions). Both default to all cores; ``set(_:)`` sets both, so a run's
/// one thread count (recorded with its results) fixes every reduction order.
///
/// OpenMP's threads spin for a while after each convolution (its default wait policy), which
/// takes a core from the rest of a training step; `OMP_WAIT_POLICY=passive` in the environment
/// stops that. It is not the default because waking sleeping threads costs more than it saves on
/// small calls: on 2 cores, passive waiting trained ResNet-20 on FashionMNIST at most 9 % faster in
/// short runs (within the machine's noise; the CNN's epoch did not change) but more than doubled
/// the CNN's latency at batch 1 (0.40 → 0.96 ms, `bench --workload inference`).
public enum ComputeThreads {
    /// Threads the next BLAS call uses.
    public static var count: Int { BLASThreads.count }
    /// Sets OpenBLAS's and OpenMP's threads (benchmarks state theirs; results are bit-identical
    /// only for the same thread count).
    public static func set(_ threads: Int) {
        BLASThreads.set(threads)
        gp_conv_set_threads(Int32(threads))
    }
    /// Threads OpenMP (oneDNN) uses, or will use once loaded (0: OpenMP's default, all cores).
    public static var convolutionThreads: Int { Int(gp_conv_threads()) }
}
