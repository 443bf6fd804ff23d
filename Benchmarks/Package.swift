// swift-tools-version:6.2
import PackageDescription

// Benchmarks for ProtMem's hot paths, in their own package (as swift-nio keeps them) so the
// main package's build and tests never pay for ordo-one/benchmark.
let package = Package(
    name: "ProtMemBenchmarks",
    platforms: [.macOS(.v26)],
    dependencies: [
        .package(name: "ProtMem", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ProtMemBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ProtMemMemory", package: "ProtMem"),
                .product(name: "ProtMemDMABuf", package: "ProtMem"),
                .product(name: "ProtMemHeaps", package: "ProtMem"),
                .product(name: "ProtMemBoard", package: "ProtMem"),
                .product(name: "ProtMemReport", package: "ProtMem"),
                .product(name: "ProtMemSimulation", package: "ProtMem"),
                .product(name: "CReferenceAllocators", package: "ProtMem"),
            ],
            path: "Benchmarks/ProtMemBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // One run that prints each ratio of issue 18's goals beside its reference, measured
        // in the same process: `swift run -c release ProtMemRatios`. The C references
        // (Sources/CReferenceAllocators) are built with the main package's product.
        .executableTarget(
            name: "ProtMemRatios",
            dependencies: [
                .product(name: "ProtMemMemory", package: "ProtMem"),
                .product(name: "ProtMemDMABuf", package: "ProtMem"),
                .product(name: "ProtMemHeaps", package: "ProtMem"),
                .product(name: "ProtMemBoard", package: "ProtMem"),
                .product(name: "CReferenceAllocators", package: "ProtMem"),
            ],
            path: "Sources/ProtMemRatios"
        ),
    ]
)
