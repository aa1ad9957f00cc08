import GraphPruneCLI
import GraphPruneNumerics

// OpenBLAS chose its kernels when it loaded; a CPU newer than the library gets slow generic ones
// unless the process starts again with the right ones named (BLASCore).
BLASCore.reexecIfMisdetected()
// One thread count for both pools: OpenMP (oneDNN's convolutions) follows OpenBLAS's, which
// OPENBLAS_NUM_THREADS or --threads sets, so a run's recorded thread count fixes every reduction.
ComputeThreads.set(ComputeThreads.count)
GraphPruneCommand.main()
