// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for GraphPrune's readers of untrusted files. Not part of the main build:
// `Scripts/fuzz` builds them with libFuzzer's coverage instrumentation of every module and
// AddressSanitizer, linked with libFuzzer's driver (`FuzzDriver`), and runs each for a given time on its committed seed corpus
// (`Fuzz/Corpus/<target>`). Each target feeds the fuzzer's bytes to one reader; an error thrown
// is a correct answer, a crash, trap, hang or sanitizer report is a defect.
let targets = ["FuzzNumPy", "FuzzSafetensors", "FuzzMatrixMarket", "FuzzEdgeList", "FuzzIDX", "FuzzStudy", "FuzzONNX"]

let package = Package(
    name: "GraphPruneFuzz",
    dependencies: [.package(name: "GraphPrune", path: "..")],
    targets: [.target(name: "FuzzDriver")] + targets.map { name in
        .executableTarget(
            name: name, dependencies: ["FuzzDriver", .product(name: "GraphPrune", package: "GraphPrune")], path: "Sources/\(name)")
    }
)
