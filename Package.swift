// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first; a layer imports only the layers below it (see ARCHITECTURE.md):
// 1 memory → 2 dma-buf core → 3 heaps → 4 secure world → 5 device tree → board composition →
// 7 userspace → CLI.
let package = Package(
    name: "ProtMem",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProtMemMemory", targets: ["ProtMemMemory"]),
        .library(name: "ProtMemDMABuf", targets: ["ProtMemDMABuf"]),
        .library(name: "ProtMemHeaps", targets: ["ProtMemHeaps"]),
        .library(name: "ProtMemSecureWorld", targets: ["ProtMemSecureWorld"]),
        .library(name: "ProtMemDeviceTree", targets: ["ProtMemDeviceTree"]),
        .library(name: "ProtMemBoard", targets: ["ProtMemBoard"]),
        .library(name: "ProtMemUserspace", targets: ["ProtMemUserspace"]),
        .library(name: "ProtMemTestSupport", targets: ["ProtMemTestSupport"]),
        .executable(name: "protmem", targets: ["protmem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "ProtMemMemory"),
        .target(name: "ProtMemDMABuf", dependencies: ["ProtMemMemory"]),
        .target(name: "ProtMemHeaps", dependencies: ["ProtMemMemory", "ProtMemDMABuf"]),
        .target(name: "ProtMemSecureWorld", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps"]),
        .target(name: "ProtMemDeviceTree"),
        .target(
            name: "ProtMemBoard",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemSecureWorld"]
        ),
        .target(
            name: "ProtMemUserspace",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemBoard"]
        ),
        .target(
            name: "ProtMemTestSupport",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemSecureWorld", "ProtMemBoard"]
        ),
        .executableTarget(
            name: "protmem",
            dependencies: [
                "ProtMemBoard",
                "ProtMemUserspace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ProtMemMemoryTests", dependencies: ["ProtMemMemory", "ProtMemSecureWorld", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDMABufTests", dependencies: ["ProtMemDMABuf", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemHeapsTests", dependencies: ["ProtMemHeaps", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemBoardTests", dependencies: ["ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDeviceTreeTests", dependencies: ["ProtMemDeviceTree"]),
        .testTarget(name: "ProtMemUserspaceTests", dependencies: ["ProtMemUserspace", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemCLITests", dependencies: ["protmem", "ProtMemTestSupport"]),
    ]
)
