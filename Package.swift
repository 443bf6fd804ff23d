// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first; a layer imports only the layers below it (see ARCHITECTURE.md):
// 1 memory → 2 dma-buf core → 3 heaps → 4 secure world → 5 device tree → 6 devices (Panthor) → board
// composition → CLI.
let package = Package(
    name: "ProtMem",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProtMemMemory", targets: ["ProtMemMemory"]),
        .library(name: "ProtMemDMABuf", targets: ["ProtMemDMABuf"]),
        .library(name: "ProtMemHeaps", targets: ["ProtMemHeaps"]),
        .library(name: "ProtMemTEE", targets: ["ProtMemTEE"]),
        .library(name: "ProtMemSecureWorld", targets: ["ProtMemSecureWorld"]),
        .library(name: "ProtMemDeviceTree", targets: ["ProtMemDeviceTree"]),
        .library(name: "ProtMemBoard", targets: ["ProtMemBoard"]),
        .library(name: "ProtMemTime", targets: ["ProtMemTime"]),
        .library(name: "ProtMemPanthor", targets: ["ProtMemPanthor"]),
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
        .target(name: "ProtMemTEE", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps"]),
        .target(name: "ProtMemSecureWorld", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE"]),
        .target(name: "ProtMemDeviceTree"),
        .target(
            name: "ProtMemBoard",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemSecureWorld"]
        ),
        // Layer 8's clock and event queue, with no dependencies, so devices can run in virtual time.
        .target(name: "ProtMemTime"),
        // Layer 6, devices: the Panthor GPU (firmware image and load, GPU MMU, CSF interface,
        // scheduler, protected mode) and the codec, display and camera masters. It never imports
        // the board: boards hand it their bus, heaps and memory.
        .target(name: "ProtMemPanthor", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTime"]),
        .target(
            name: "ProtMemTestSupport",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemSecureWorld", "ProtMemBoard"]
        ),
        .executableTarget(
            name: "protmem",
            dependencies: [
                "ProtMemBoard",
                "ProtMemPanthor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ProtMemMemoryTests", dependencies: ["ProtMemMemory", "ProtMemSecureWorld", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDMABufTests", dependencies: ["ProtMemDMABuf", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemHeapsTests", dependencies: ["ProtMemHeaps", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemBoardTests", dependencies: ["ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDeviceTreeTests", dependencies: ["ProtMemDeviceTree"]),
        .testTarget(name: "ProtMemTimeTests", dependencies: ["ProtMemTime"]),
        .testTarget(
            name: "ProtMemPanthorTests",
            dependencies: ["ProtMemPanthor", "ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemTime", "ProtMemBoard", "ProtMemTestSupport"]
        ),
        .testTarget(name: "ProtMemCLITests", dependencies: ["protmem", "ProtMemTestSupport"]),
    ]
)
