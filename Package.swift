// swift-tools-version:6.1
import PackageDescription

// The library is a stack of targets that import one way, so the compiler keeps the pipeline
// honest (each target names the only targets it may import):
//
//   GraphPruneNumerics     Matrix, BLAS / LAPACK / ARPACK wrappers, CSR, Lanczos, SplitMix64
//   GraphPruneGraphs       weighted graphs, centralities, ImportanceScorer, effective resistance,
//                          spectral sparsification (weights only)                ← Numerics
//   GraphPruneIO           .npy, safetensors, Matrix Market, CSV, data sets        ← Graphs
//   GraphPruneNetwork      layers, the model, optimisers, training, checkpoints     ← IO
//   GraphPruneInterchange  ONNX import / export, PyTorch state dicts, model files    ← Network
//   GraphPrunePruning      neuron and edge pruning, model edge scores, SET/CenSET   ← Network
//   GraphPruneExperiments  studies, runs, results store, reports and plots         ← Pruning
//   GraphPruneCLI          the `graphprune` commands as a library                  ← Experiments
//
// `GraphPrune` re-exports the library targets (`import GraphPrune` sees all of them); the
// `graphprune` executable is a one-line main over `GraphPruneCLI`.
let package = Package(
    name: "GraphPrune",
    products: [
        .library(name: "GraphPrune", targets: ["GraphPrune"]),
        .executable(name: "graphprune", targets: ["graphprune"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Thin private shims over Debian's C libraries: a module map and one header each.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", path: "Sources/CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(
            name: "CARPACK", path: "Sources/CARPACK", pkgConfig: "arpack",
            providers: [.apt(["libarpack2-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // prctl(PR_SET_PDEATHSIG) for `run --jobs` workers (prctl is variadic: a C shim).
        .systemLibrary(name: "CProcess", path: "Sources/CProcess"),
        // oneDNN's convolution primitives behind a small C interface (the only code that talks to
        // Debian's libdnnl, whose headers it compiles against; the library is loaded at the first
        // convolution, so it is not linked).
        .target(
            name: "CDNNLConvolution", path: "Sources/CDNNLConvolution",
            linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "GraphPruneNumerics",
            dependencies: ["CBLAS", "CLAPACKE", "CARPACK", "CDNNLConvolution"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(name: "GraphPruneGraphs", dependencies: ["GraphPruneNumerics"]),
        .target(name: "GraphPruneIO", dependencies: ["GraphPruneNumerics", "GraphPruneGraphs", "CZlib"]),
        .target(name: "GraphPruneNetwork", dependencies: ["GraphPruneNumerics", "GraphPruneIO"]),
        // ONNX's protobuf messages are generated Swift committed under ONNX/Generated
        // (Scripts/regenerate-onnx-proto); no build runs protoc.
        .target(
            name: "GraphPruneInterchange",
            dependencies: [
                "GraphPruneNumerics", "GraphPruneIO", "GraphPruneNetwork",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .target(
            name: "GraphPrunePruning",
            dependencies: ["GraphPruneNumerics", "GraphPruneGraphs", "GraphPruneIO", "GraphPruneNetwork"]),
        .target(
            name: "GraphPruneExperiments",
            dependencies: [
                "GraphPruneNumerics", "GraphPruneGraphs", "GraphPruneIO", "GraphPruneNetwork", "GraphPruneInterchange",
                "GraphPrunePruning", .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "GraphPruneCLI",
            dependencies: [
                "GraphPruneNumerics", "GraphPruneGraphs", "GraphPruneIO", "GraphPruneNetwork", "GraphPruneInterchange",
                "GraphPrunePruning", "GraphPruneExperiments", "CProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(
            name: "GraphPrune",
            dependencies: [
                "GraphPruneNumerics", "GraphPruneGraphs", "GraphPruneIO", "GraphPruneNetwork", "GraphPruneInterchange",
                "GraphPrunePruning", "GraphPruneExperiments",
            ]),
        .executableTarget(name: "graphprune", dependencies: ["GraphPruneCLI", "GraphPruneNumerics"]),
        .testTarget(
            name: "GraphPruneTests",
            dependencies: [
                "GraphPrune", "GraphPruneNumerics", "GraphPruneGraphs", "GraphPruneIO", "GraphPruneNetwork",
                "GraphPruneInterchange", "GraphPrunePruning", "GraphPruneExperiments", "GraphPruneCLI", "CZlib",
            ],
            // Files the tests read by path (ONNX models, inputs and outputs made by PyTorch).
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
