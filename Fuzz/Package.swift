// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets for ProtMem's parsers of untrusted input, in their own package (as
// Benchmarks/ is) so the main package's build and `swift test` never see the fuzzer flags.
// Build and run them with Scripts/fuzz.sh, which passes
// `--sanitize=fuzzer --sanitize=address`: every module, the parsers included, is then
// instrumented for coverage and checked by AddressSanitizer.
//
// Each target is an executable whose entry point is libFuzzer's `main`; the Swift side only
// defines `LLVMFuzzerTestOneInput`, so the sources are compiled as a library
// (`-parse-as-library`): no top-level code, no second `main`.
let libraryMode: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: "ProtMem") },
        swiftSettings: libraryMode
    )
}

let package = Package(
    name: "ProtMemFuzz",
    platforms: [.macOS(.v26)],
    dependencies: [
        .package(name: "ProtMem", path: ".."),
    ],
    targets: [
        // What every target shares: the input as bytes, invariant failures as crashes, and
        // the built-in seeds a target writes when asked (PROTMEM_FUZZ_WRITE_SEEDS).
        .target(name: "FuzzSupport"),
        fuzzTarget("FuzzFDT", ["ProtMemDeviceTree"]),
        fuzzTarget("FuzzOverlay", ["ProtMemDeviceTree"]),
        fuzzTarget("FuzzFirmware", ["ProtMemPanthor", "ProtMemSimulation"]),
        fuzzTarget("FuzzABIScript", ["ProtMemUserspace"]),
        fuzzTarget("FuzzOPTEEMessage", ["ProtMemMemory", "ProtMemTEE", "ProtMemSecureWorld", "ProtMemBoard"]),
        fuzzTarget("FuzzScenario", ["ProtMemSimulation"]),
    ]
)
