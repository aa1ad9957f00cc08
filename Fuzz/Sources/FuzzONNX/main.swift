import Foundation
import FuzzDriver
import GraphPrune

/// An ONNX model: protobuf decoding, then the graph mapped onto graphprune's layers.
func fuzzONNX(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? ONNXImport.read(Data(bytes: bytes, count: count), name: "fuzz.onnx")
    return 0
}

@_cdecl("FuzzONNX_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzONNX(UnsafeRawPointer(data!), size) }
}
