import Foundation
import FuzzDriver
import GraphPrune

/// A `.safetensors` file read as a graphprune checkpoint: the header's offsets and dtypes, then
/// the architecture in its metadata, then the tensors against the architecture.
func fuzzSafetensors(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? ModelFile.read(Data(bytes: bytes, count: count), url: URL(fileURLWithPath: "fuzz.safetensors"))
    return 0
}

@_cdecl("FuzzSafetensors_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzSafetensors(UnsafeRawPointer(data!), size) }
}
