import Foundation
import FuzzDriver
import GraphPrune

/// A study file: YAML, keys, settings and their values, tables and plots; then its expansion
/// into runs, which the parser has bounded.
func fuzzStudy(_ bytes: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = String(validating: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self),
          let spec = try? StudySpec.parse(yaml: text, file: "fuzz.yaml")
    else { return 0 }
    _ = StudyGrid.distinctRuns(StudyGrid.expand(spec))
    return 0
}

@_cdecl("FuzzStudy_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    graphprune_fuzz_run(argc, argv) { data, size in fuzzStudy(UnsafeRawPointer(data!), size) }
}
