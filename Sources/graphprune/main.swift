import GraphPruneCLI
import GraphPruneNumerics

// OpenBLAS chose its kernels when it loaded; a CPU newer than the library gets slow generic ones
// unless the process starts again with the right ones named (BLASCore).
BLASCore.reexecIfMisdetected()
GraphPruneCommand.main()
