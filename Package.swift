// swift-tools-version:6.0
// ganet-seg: brain-tumour segmentation (GANet-Seg) as a Swift daemon. See README.md and docs/.
import PackageDescription

// The commit a release build is stamped with (--version, metrics.json): set by the packaging script.
let buildCommit = Context.environment["GANET_SEG_BUILD_COMMIT"].map { $0.filter { $0.isHexDigit } } ?? ""

let package = Package(
    name: "ganet-seg",
    // Linux only (SwiftPM has no way to say so): the product is built on inotify, renameat2,
    // syncfs, systemd and the Debian libraries that the C shims link.
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
        .target(name: "CLinux"),
        .target(name: "CSystemd", linkerSettings: [.linkedLibrary("systemd")]),
        // libvulkan is loaded at run time (dlopen), so the binary starts on machines without it.
        .target(name: "CVulkan", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CBuildInfo", cSettings: [.define("GANET_SEG_BUILD_COMMIT", to: "\"\(buildCommit)\"")]),

        // The operating system as the product uses it: system errors, file operations (atomic
        // writes, no-replace renames, mkdir -p), parallel loops, threads and clocks.
        .target(name: "Platform", dependencies: ["CLinux"]),

        // Seeded randomness shared by phantoms, initialisation and augmentation.
        .target(name: "Randomness"),

        // Data: volumes on disk, synthetic studies.
        .target(name: "Volumes", dependencies: ["CNIfTI", "Platform"]),
        .target(name: "Phantoms", dependencies: ["Volumes", "Randomness", "Platform"]),
        // Training studies synthesised on the fly from label maps (domain randomisation).
        .target(name: "Synthesis", dependencies: ["Randomness"]),

        // Engine, networks and evaluation.
        .target(name: "Compute", dependencies: ["COpenBLAS", "Platform"]),
        .target(name: "VulkanBackend", dependencies: ["Compute", "CVulkan"], exclude: ["Shaders"]),
        // Choosing and opening a compute device (`auto|cpu|gpu|vulkan[:N]`), shared by CLI and daemon.
        .target(name: "Devices", dependencies: ["Compute", "VulkanBackend", "Platform"]),
        .target(name: "Networks", dependencies: ["Compute", "Randomness", "Platform"]),
        .target(name: "Metrics", dependencies: ["Platform"], linkerSettings: [.linkedLibrary("m")]),

        // Reports and the study pipeline (discover, validate, preprocess, predict, write).
        .target(name: "Reports", dependencies: ["CPNG", "Platform"]),
        .target(name: "Pipeline", dependencies: ["Volumes", "Reports", "Metrics", "Networks", "Compute", "Platform"]),
        .target(name: "Training", dependencies: ["Pipeline", "Networks", "Compute", "Randomness", "Synthesis", "Volumes", "Metrics", "Platform"]),

        // The inbox service: watch, claim, process, publish; journald and sd_notify.
        .target(name: "Daemon", dependencies: [
            "Pipeline", "Volumes", "Reports", "Metrics", "Compute", "Devices", "Platform", "CSystemd", "CLinux",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "ganet-seg", dependencies: [
            "Volumes", "Phantoms", "Pipeline", "Reports", "Metrics", "Networks", "Compute", "Training", "Daemon",
            "Randomness", "VulkanBackend", "Synthesis", "Platform", "Devices", "CBuildInfo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "VolumesTests", dependencies: ["Volumes", "Randomness"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PhantomsTests", dependencies: ["Phantoms", "Volumes"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "Randomness"]),
        // Shared by the backend tests: seeded inputs, tolerances, direct-loop references and the
        // conformance suite's op cases.
        .target(name: "TestSupport", dependencies: ["Compute", "Randomness"], path: "Tests/TestSupport"),
        .testTarget(name: "ComputeTests", dependencies: ["Compute", "Randomness", "TestSupport"]),
        .testTarget(name: "VulkanBackendTests", dependencies: ["VulkanBackend", "Compute", "Networks", "Training", "Randomness", "TestSupport",
                                                           "Pipeline", "Phantoms", "Volumes"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Volumes", "Randomness"],
                    resources: [.copy("Cases")]),
        .testTarget(name: "NetworksTests", dependencies: ["Networks", "Compute"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Pipeline", "Networks", "Compute", "Randomness", "Volumes"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Volumes", "Phantoms", "Networks", "Compute", "Reports", "Metrics", "Platform"]),
        .testTarget(name: "DaemonTests", dependencies: [
            "Daemon", "Pipeline", "Reports", "Volumes", "Networks", "Compute", "Phantoms", "Platform", "Devices", "CLinux",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "Compute", "VulkanBackend", "Platform"]),
    ]
)
