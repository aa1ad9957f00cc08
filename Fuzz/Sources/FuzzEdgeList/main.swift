import Foundation
import FuzzDriver
import GraphPrune

/// An edge-list CSV graph, read and built into the CSR graph.
func fuzzEdgeList(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = String(validating: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self),
          let list = try? EdgeListCSVFile.readGraph(text: text, name: "fuzz.csv")
    else { return 0 }
    _ = try? WeightedGraph(list, name: "fuzz.csv")
    return 0
}

@_cdecl("FuzzEdgeList_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzEdgeList(UnsafeRawPointer(data!), size) }
}
