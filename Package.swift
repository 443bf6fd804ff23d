// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first; a layer imports only the layers below it (see ARCHITECTURE.md):
// 1 memory → 2 dma-buf core → 3 heaps (and the TEE drivers) → 4 secure world → 5 device tree →
// 6 devices (Panthor) → board composition → 7 userspace → 8 simulation → CLI.
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
        .library(name: "ProtMemPanthor", targets: ["ProtMemPanthor"]),
        .library(name: "ProtMemReport", targets: ["ProtMemReport"]),
        .library(name: "ProtMemSimulation", targets: ["ProtMemSimulation"]),
        .library(name: "ProtMemUserspace", targets: ["ProtMemUserspace"]),
        .library(name: "ProtMemTestSupport", targets: ["ProtMemTestSupport"]),
        .executable(name: "protmem", targets: ["protmem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .target(name: "ProtMemMemory"),
        .target(name: "ProtMemReport"),
        .target(
            name: "ProtMemSimulation",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemBoard", "ProtMemReport", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "ProtMemDMABuf", dependencies: ["ProtMemMemory"]),
        .target(name: "ProtMemHeaps", dependencies: ["ProtMemMemory", "ProtMemDMABuf"]),
        .target(name: "ProtMemTEE", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps"]),
        .target(name: "ProtMemSecureWorld", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE"]),
        .target(name: "ProtMemDeviceTree"),
        .target(
            name: "ProtMemBoard",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemSecureWorld", "ProtMemDeviceTree"]
        ),
        // Layer 6, devices: the Panthor GPU (firmware image, GPU MMU). It will also depend on the
        // heaps and the board once the firmware is loaded into memory.
        .target(name: "ProtMemPanthor", dependencies: ["ProtMemMemory"]),
        .target(
            name: "ProtMemUserspace",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemBoard"]
        ),
        .target(
            name: "ProtMemTestSupport",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemSecureWorld", "ProtMemBoard"]
        ),
        .executableTarget(
            name: "protmem",
            dependencies: [
                "ProtMemBoard",
                "ProtMemReport",
                "ProtMemPanthor",
                "ProtMemDeviceTree",
                "ProtMemUserspace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ProtMemMemoryTests", dependencies: ["ProtMemMemory", "ProtMemSecureWorld", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDMABufTests", dependencies: ["ProtMemDMABuf", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemHeapsTests", dependencies: ["ProtMemHeaps", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemBoardTests", dependencies: ["ProtMemBoard", "ProtMemDeviceTree", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemSecureWorldTests", dependencies: ["ProtMemSecureWorld", "ProtMemTEE", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDeviceTreeTests", dependencies: ["ProtMemDeviceTree"], exclude: ["Fixtures"]),
        .testTarget(name: "ProtMemPanthorTests", dependencies: ["ProtMemPanthor", "ProtMemMemory"]),
        .testTarget(name: "ProtMemReportTests", dependencies: ["ProtMemReport"]),
        .testTarget(name: "ProtMemSimulationTests", dependencies: ["ProtMemSimulation", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemUserspaceTests", dependencies: ["ProtMemUserspace", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemCLITests", dependencies: ["protmem", "ProtMemTestSupport"]),
    ]
)
