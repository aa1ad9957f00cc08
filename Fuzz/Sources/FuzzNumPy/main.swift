import Foundation
import FuzzDriver
import GraphPrune

/// A `.npy` file: header, dtype, shape, order and payload.
func fuzzNumPy(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? NumPyFile.read(data: Data(bytes: bytes, count: count), name: "fuzz.npy")
    return 0
}

@_cdecl("FuzzNumPy_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzNumPy(UnsafeRawPointer(data!), size) }
}
