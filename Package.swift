// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "GraphPrune",
    products: [
        .library(name: "GraphPrune", targets: ["GraphPrune"]),
        .executable(name: "graphprune", targets: ["graphprune"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
        .target(
            name: "GraphPrune",
            dependencies: ["CBLAS", "CLAPACKE", "CARPACK", "CZlib", .product(name: "Yams", package: "Yams")],
            linkerSettings: [.linkedLibrary("m")]),
        .executableTarget(
            name: "graphprune",
            dependencies: [
                "GraphPrune",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "GraphPruneTests",
            dependencies: ["GraphPrune", "graphprune"]),
    ],
    swiftLanguageModes: [.v6]
)
