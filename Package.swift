// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "crossmodal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "crossmodal", targets: ["crossmodal"]),
        .library(name: "Numerics", targets: ["Numerics"]),
        .library(name: "TensorFiles", targets: ["TensorFiles"]),
        .library(name: "Datasets", targets: ["Datasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Our own declarations of the few CBLAS entry points we use, linked against OpenBLAS.
        .target(
            name: "COpenBLAS",
            linkerSettings: [.linkedLibrary("openblas")]
        ),
        .target(name: "Numerics", dependencies: ["COpenBLAS"]),
        .target(name: "TensorFiles", dependencies: ["Numerics"]),
        .target(name: "Datasets"),
        .target(
            name: "CrossmodalCLI",
            dependencies: [
                "Numerics", "TensorFiles", "Datasets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "crossmodal", dependencies: ["CrossmodalCLI"]),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "TensorFilesTests", dependencies: ["TensorFiles", "Numerics"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "CrossmodalCLITests", dependencies: ["crossmodal", "CrossmodalCLI"]),
    ]
)
