// swift-tools-version: 6.1
import PackageDescription

let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "crossmodal",
    platforms: [.macOS(.v14)],
    products: [.executable(name: "crossmodal", targets: ["crossmodal"])]
        + ["Numerics", "TensorFiles", "Datasets", "Encoders", "TextModels", "Neighbors", "Training", "Evaluation", "Search", "Pipeline", "SafeFiles"].map { .library(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Our own declarations of the few CBLAS entry points we use, linked against OpenBLAS.
        .target(
            name: "COpenBLAS",
            linkerSettings: [.linkedLibrary("openblas")]
        ),
        // Small vectorised kernels of our own (a GEMM against a pre-packed matrix, Adam), AVX-512 or AVX2 at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // JPEG (TurboJPEG) and PNG (libpng) decoding behind one small C function of our own.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("turbojpeg"), .linkedLibrary("png"), .linkedLibrary("webp"), .linkedLibrary("gif"), .linkedLibrary("heif")]
        ),
        // SQLite (the index catalogue) and libpq (the PostgreSQL backend) from Debian, as plain C modules.
        .target(name: "CSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "CPostgres", linkerSettings: [.linkedLibrary("pq")]),
        // Reading user-named files safely: regular files only, sizes checked before allocating.
        .target(name: "SafeFiles"),
        // Hot numeric loops are compiled optimised even in debug builds, so tests run at speed.
        .target(name: "Numerics", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: optimised),
        .target(name: "Encoders", dependencies: ["Numerics", "TensorFiles", "CImageCodecs", "SafeFiles"], swiftSettings: optimised),
        .target(name: "TextModels", dependencies: ["Numerics", "TensorFiles", "SafeFiles"], swiftSettings: optimised),
        // hnswlib (header-only C++) behind a C header of our own; Swift sees only C.
        .target(name: "CHNSW", cxxSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "Neighbors", dependencies: ["Numerics", "CKernels", "TensorFiles", "CHNSW", "SafeFiles"], swiftSettings: optimised),
        .target(name: "Evaluation", dependencies: ["Numerics", "Neighbors"], swiftSettings: optimised),
        .target(name: "Search", dependencies: ["Numerics", "Neighbors", "Evaluation", "SafeFiles", "CSQLite", "CPostgres"], swiftSettings: optimised),
        // The search service: our own HTTP/1.1 server on one poll loop, with the limits a public server needs.
        .target(name: "SearchServer", dependencies: ["Search", "Evaluation", "Numerics", "SafeFiles"]),
        .target(name: "Training", dependencies: ["Numerics", "CKernels", "TensorFiles", "Evaluation", "SafeFiles"], swiftSettings: optimised),
        .target(name: "TensorFiles", dependencies: ["Numerics", "SafeFiles"]),
        .target(name: "Datasets", dependencies: ["SafeFiles"]),
        // The pipeline library: run folders, features and their cache, presets, training, evaluation, reports
        // and index building, with progress through callbacks. No argument parsing and no printing.
        .target(
            name: "Pipeline",
            dependencies: ["Numerics", "TensorFiles", "Datasets", "Encoders", "TextModels", "Neighbors", "Training", "Evaluation", "Search", "SafeFiles"]
        ),
        .target(
            name: "CrossmodalCLI",
            dependencies: [
                "Numerics", "TensorFiles", "Datasets", "Encoders", "TextModels", "Neighbors", "Training", "Evaluation", "Search", "SearchServer", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "crossmodal", dependencies: ["CrossmodalCLI", "Numerics"]),
        // What several test targets share: running other programs (oracles, scripts, the executable).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics", "CKernels"]),
        .testTarget(name: "TensorFilesTests", dependencies: ["TensorFiles", "Numerics", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "SafeFiles", "TestSupport"]),
        .testTarget(name: "EncodersTests", dependencies: ["Encoders", "Numerics", "TensorFiles", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TextModelsTests", dependencies: ["TextModels", "Numerics"]),
        .testTarget(name: "NeighborsTests", dependencies: ["Neighbors", "Numerics"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Numerics"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Numerics"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Numerics", "Evaluation", "TestSupport"]),
        .testTarget(name: "SearchServerTests", dependencies: ["SearchServer", "Search", "SafeFiles", "Numerics", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Training", "Evaluation", "Numerics", "TextModels", "Encoders"]),
        .testTarget(name: "CrossmodalCLITests", dependencies: ["crossmodal", "CrossmodalCLI", "TestSupport", "Encoders", "Search", "Numerics"]),
    ],
    cxxLanguageStandard: .cxx17
)
