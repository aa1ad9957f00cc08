import GraphPruneCLI
import GraphPruneNumerics

// OpenBLAS chose its kernels when it loaded; a CPU newer than the library gets slow generic ones
// unless they are chosen again with the right ones named (BLASCore).
BLASCore.correctIfMisdetected()
GraphPruneCommand.main()
