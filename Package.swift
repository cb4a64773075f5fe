// swift-tools-version:6.0
// ganet-seg: brain-tumour segmentation (GANet-Seg) as a Swift daemon. See README.md and docs/.
import PackageDescription

let package = Package(
    name: "ganet-seg",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ganet-seg", targets: ["ganet-seg"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // C shims: headers and link settings for the system libraries, nothing else.
        .target(name: "CNIfTI", linkerSettings: [.linkedLibrary("niftiio"), .linkedLibrary("znz"),
                                                 .linkedLibrary("z"), .linkedLibrary("m")]),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("openblas")]),

        // Data: volumes on disk, synthetic studies.
        .target(name: "Volumes", dependencies: ["CNIfTI"]),
        .target(name: "Phantoms", dependencies: ["Volumes"]),

        // Engine and evaluation.
        .target(name: "Compute", dependencies: ["COpenBLAS"]),
        .target(name: "Metrics"),

        // Reports and the study pipeline (discover, validate, preprocess, segment, write).
        .target(name: "Reports", dependencies: ["CPNG"]),
        .target(name: "Pipeline", dependencies: ["Volumes", "Reports", "Metrics"]),

        .executableTarget(name: "ganet-seg", dependencies: [
            "Volumes", "Phantoms", "Pipeline", "Reports", "Metrics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "VolumesTests", dependencies: ["Volumes"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PhantomsTests", dependencies: ["Phantoms", "Volumes"]),
        .testTarget(name: "ComputeTests", dependencies: ["Compute"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Volumes"],
                    resources: [.copy("Cases")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Volumes", "Phantoms"]),
    ]
)
