// swift-tools-version:6.2
import PackageDescription

// Layers, lowest first; a layer imports only the layers below it (see ARCHITECTURE.md):
// 1 memory → 2 dma-buf core → 3 heaps (and the TEE drivers) → 4 secure world → 5 device tree →
// 6 devices (the Mali GPU and its CSF firmware model; the Panthor driver; the codec, display and camera
// masters) → board composition → 7 userspace → 8 simulation → the attack catalogue → CLI.
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
        .library(name: "ProtMemCSF", targets: ["ProtMemCSF"]),
        .library(name: "ProtMemPanthor", targets: ["ProtMemPanthor"]),
        .library(name: "ProtMemDevices", targets: ["ProtMemDevices"]),
        .library(name: "ProtMemReport", targets: ["ProtMemReport"]),
        .library(name: "ProtMemSimulation", targets: ["ProtMemSimulation"]),
        .library(name: "ProtMemUserspace", targets: ["ProtMemUserspace"]),
        .library(name: "ProtMemTestSupport", targets: ["ProtMemTestSupport"]),
        .library(name: "ProtMemAttacks", targets: ["ProtMemAttacks"]),
        .library(name: "ProtMemLinux", targets: ["ProtMemLinux"]),
        .executable(name: "protmem", targets: ["protmem"]),
        // The benchmarks' C reference allocators, for Benchmarks/ (their sources live there).
        .library(name: "CReferenceAllocators", targets: ["CReferenceAllocators"]),
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
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemBoard", "ProtMemPanthor", "ProtMemDevices", "ProtMemTime",
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
        // Layer 6, devices: the Mali GPU's hardware (registers, MMU, its path to memory) and the CSF
        // firmware model (MCU) with the shared interface section and command-stream rings it
        // meets the driver at. It does not depend on the driver's target, so the compiler keeps
        // the firmware from reaching the driver's types (DriverFirmwareBoundaryTests checks it).
        .target(name: "ProtMemCSF", dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemTime"]),
        // Layer 6, devices: the Panthor kernel driver (firmware image and load, probe, the
        // scheduler tick, protected-mode entry and exit, reset, groups, VMs), over the GPU and
        // firmware of ProtMemCSF, which it re-exports. It never imports the board: boards hand it
        // their bus, heaps and memory.
        .target(name: "ProtMemPanthor", dependencies: ["ProtMemCSF", "ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTime"]),
        // Layer 6, devices: the codec, display and camera DMA masters, apart from the GPU: each
        // attaches and maps dma-bufs and reaches memory only through the bus.
        .target(name: "ProtMemDevices", dependencies: ["ProtMemMemory", "ProtMemDMABuf"]),
        .target(
            name: "ProtMemUserspace",
            dependencies: ["ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemBoard", "ProtMemPanthor", "ProtMemTime"]
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
                           "ProtMemBoard", "ProtMemPanthor", "ProtMemDevices", "ProtMemTime", "ProtMemUserspace", "ProtMemSimulation"]
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
        .testTarget(name: "ProtMemBoardTests", dependencies: ["ProtMemBoard", "ProtMemDeviceTree", "ProtMemPanthor", "ProtMemTime", "ProtMemTestSupport",
                                                         "CReferenceAllocators"]),
        // The benchmarks' C reference allocators, kept with the benchmarks (Benchmarks/ links
        // them as a product), built here for the tests that check they and the Swift
        // allocators agree on each trace.
        .target(name: "CReferenceAllocators", path: "Benchmarks/Sources/CReferenceAllocators"),
        .testTarget(name: "ProtMemSecureWorldTests", dependencies: ["ProtMemSecureWorld", "ProtMemTEE", "ProtMemBoard", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemDeviceTreeTests", dependencies: ["ProtMemDeviceTree", "ProtMemTestSupport"], exclude: ["Fixtures"]),
        // ProtMemMemory for PThreadMutex only, which `Mutex` means in ThreadSanitizer builds.
        .testTarget(name: "ProtMemTimeTests", dependencies: ["ProtMemTime", "ProtMemMemory"]),
        .testTarget(
            name: "ProtMemPanthorTests",
            dependencies: ["ProtMemPanthor", "ProtMemCSF", "ProtMemDevices", "ProtMemMemory", "ProtMemDMABuf", "ProtMemHeaps", "ProtMemTEE", "ProtMemTime", "ProtMemBoard",
                           "ProtMemTestSupport"]
        ),
        // The firmware model alone, driven as a host drives it: no driver in the build.
        .testTarget(name: "ProtMemCSFTests", dependencies: ["ProtMemCSF", "ProtMemMemory", "ProtMemTime"]),
        .testTarget(name: "ProtMemReportTests", dependencies: ["ProtMemReport", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemSimulationTests", dependencies: ["ProtMemSimulation", "ProtMemDevices", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemUserspaceTests", dependencies: ["ProtMemUserspace", "ProtMemTestSupport"]),
        .testTarget(name: "ProtMemAttackTests", dependencies: ["ProtMemAttacks"]),
        .testTarget(name: "ProtMemLinuxTests", dependencies: ["ProtMemLinux", "ProtMemUserspace", "ProtMemBoard"]),
        .testTarget(name: "ProtMemCLITests", dependencies: ["protmem", "ProtMemDeviceTree", "ProtMemTestSupport"]),
    ]
)
