import Foundation
import FuzzDriver
import GraphPrune

/// A Matrix Market graph, read and built into the CSR graph every centrality starts from.
func fuzzMatrixMarket(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = String(validating: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self),
          let list = try? MatrixMarketFile.readGraph(text: text, name: "fuzz.mtx")
    else { return 0 }
    _ = try? WeightedGraph(list, name: "fuzz.mtx")
    return 0
}

@_cdecl("FuzzMatrixMarket_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzMatrixMarket(UnsafeRawPointer(data!), size) }
}
