// swift-tools-version:6.2
import PackageDescription

// Layers, lowest first; a layer imports only the layers below it (see ARCHITECTURE.md):
// 1 memory → 2 dma-buf core → 3 heaps (and the TEE drivers) → 4 secure world → 5 device tree →
// 6 devices (Panthor) → board composition → 7 userspace → 8 simulation → the attack catalogue → CLI.
let package = Package(
    name: "ProtMem",
    // macOS 26: the bus and its devices take and lend spans of arrays (`Array.span`,
    // `mutableSpan`), which Apple's platforms have from 26 on.
    platforms: [.macOS(.v26)],
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
        .library(name: "ProtMemReport", targets: ["ProtMemReport"]),
        .library(name: "ProtMemSimulation", targets: ["ProtMemSimulation"]),
        .library(name: "ProtMemUserspace", targets: ["ProtMemUserspace"]),
        .library(name: "ProtMemTestSupport", targets: ["ProtMemTestSupport"]),
        .library(name: "ProtMemAttacks", targets: ["ProtMemAttacks"]),
        .library(name: "ProtMemLinux", targets: ["ProtMemLinux"]),
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
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemBoard", "ProtMemPanthor", "ProtMemTime",
                           "ProtMemUserspace", "ProtMemReport", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "ProtMemDMABuf", dependencies: ["ProtMemMemory"]),
        .target(name: "ProtMemHeaps", dependencies: ["ProtMemMemory", "ProtMemDMABuf"]),
        .target(name: "ProtMemTEE", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps"]),
        .target(name: "ProtMemSecureWorld", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE"]),
        .target(name: "ProtMemDeviceTree"),
        .target(
            name: "ProtMemBoard",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemSecureWorld", "ProtMemDeviceTree",
                           "ProtMemPanthor", "ProtMemTime"]
        ),
        // Layer 8's clock and event queue, with no dependencies, so devices can run in virtual time.
        .target(name: "ProtMemTime"),
        // Layer 6, devices: the Panthor GPU (firmware image and load, GPU MMU, CSF interface,
        // scheduler, protected mode) and the codec, display and camera masters. It never imports
        // the board: boards hand it their bus, heaps and memory.
        .target(name: "ProtMemPanthor", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTime"]),
        .target(
            name: "ProtMemUserspace",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemBoard"]
        ),
        // Layer 9: the userspace calls on the running kernel (Linux only; elsewhere the module is
        // empty), and the two glibc calls Swift's Glibc module does not import.
        .target(name: "CProtMemLinux"),
        .target(name: "ProtMemLinux", dependencies: ["CProtMemLinux", "ProtMemMemory", "ProtMemDMABuf", "ProtMemUserspace"]),
        // Above the simulation: the attack catalogue, each attack a scenario on its own board
        // that uses only normal-world capabilities, judged by what the model answers and by
        // the invariant checker.
        .target(
            name: "ProtMemAttacks",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemSecureWorld", "ProtMemDeviceTree",
                           "ProtMemBoard", "ProtMemPanthor", "ProtMemTime", "ProtMemUserspace", "ProtMemSimulation"]
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
                "ProtMemSimulation",
                "ProtMemPanthor",
                "ProtMemDeviceTree",
                "ProtMemUserspace",
                "ProtMemAttacks",
                "ProtMemLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ProtMemMemoryTests", dependencies: ["ProtMemMemory", "ProtMemSecureWorld", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDMABufTests", dependencies: ["ProtMemDMABuf", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemHeapsTests", dependencies: ["ProtMemHeaps", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemBoardTests", dependencies: ["ProtMemBoard", "ProtMemDeviceTree", "ProtMemPanthor", "ProtMemTime", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemSecureWorldTests", dependencies: ["ProtMemSecureWorld", "ProtMemTEE", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDeviceTreeTests", dependencies: ["ProtMemDeviceTree", "ProtMemTestSupport"], exclude: ["Fixtures"]),
        // ProtMemMemory for PThreadMutex only, which `Mutex` means in ThreadSanitizer builds.
        .testTarget(name: "ProtMemTimeTests", dependencies: ["ProtMemTime", "ProtMemMemory"]),
        .testTarget(
            name: "ProtMemPanthorTests",
            dependencies: ["ProtMemPanthor", "ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemTime", "ProtMemBoard", "ProtMemTestSupport"]
        ),
        .testTarget(name: "ProtMemReportTests", dependencies: ["ProtMemReport", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemSimulationTests", dependencies: ["ProtMemSimulation", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemUserspaceTests", dependencies: ["ProtMemUserspace", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemAttackTests", dependencies: ["ProtMemAttacks"]),
        .testTarget(name: "ProtMemLinuxTests", dependencies: ["ProtMemLinux", "ProtMemUserspace", "ProtMemBoard"]),
        .testTarget(name: "ProtMemCLITests", dependencies: ["protmem", "ProtMemDeviceTree", "ProtMemTestSupport"]),
    ]
)
