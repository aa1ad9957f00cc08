import Foundation
import FuzzDriver
import GraphPrune

/// An IDX file as stored (plain or gzip), read as images and as labels.
func fuzzIDX(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? IDXFile.readImages(fileBytes: data, name: "fuzz-images.gz")
    _ = try? IDXFile.readLabels(fileBytes: data, name: "fuzz-labels.gz")
    return 0
}

@_cdecl("FuzzIDX_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzIDX(UnsafeRawPointer(data!), size) }
}
