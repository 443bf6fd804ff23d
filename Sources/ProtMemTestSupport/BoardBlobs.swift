import Foundation

/// The device tree blobs board tests need: the real rock-5b one from ``SharedData`` and the
/// repository's own board sources, compiled once per test process by
/// `Scripts/build-dtbs.sh` (so tests use exactly what the script builds).
public enum BoardBlobs {
    /// The package root, two levels above this file (`Sources/ProtMemTestSupport/`).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The real Radxa ROCK 5B blob (Linux 6.12) from ``SharedData``; `nil` when the shared
    /// data is absent (tests that need it say `.enabled(if: BoardBlobs.rock5b != nil, …)`).
    public static var rock5b: URL? {
        SharedData.deviceTreesAvailable() ? SharedData.dtb(named: "rk3588-rock-5b.dtb") : nil
    }

    /// A tool on `PATH`.
    public static func tool(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    public static let hasDTC: Bool = {
        tool("dtc") != nil && tool("fdtoverlay") != nil
    }()

    /// The folder `Scripts/build-dtbs.sh` built `Boards/` into (a fresh temporary one), or
    /// `nil` when dtc is missing or the script failed (its output is printed).
    public static let built: URL? = {
        guard hasDTC else { return nil }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-boards-\(UUID().uuidString)")
        let result = try? run(packageRoot.appendingPathComponent("Scripts/build-dtbs.sh"), [output.path])
        guard let result, result.status == 0 else {
            print("Scripts/build-dtbs.sh failed: \(result?.stderr ?? "could not run")")
            return nil
        }
        return output
    }()

    /// A blob the script built (`protmem-default.dtb`, `rk3588-rock-5b-heap-device.dtbo`).
    public static func builtBlob(_ name: String) -> URL? {
        built?.appendingPathComponent(name)
    }

    /// The shipped overlays, one per device-tree design, by design kind.
    public static let shippedOverlays: [(design: String, file: String)] = [
        ("heap-name", "rk3588-rock-5b-protected-heap-name.dtbo"),
        ("memory-region", "rk3588-rock-5b-memory-region.dtbo"),
        ("heap-device", "rk3588-rock-5b-heap-device.dtbo"),
    ]

    /// The shipped overlay whose protected heap a hypervisor lends (the GPU names it, so its
    /// design is heap-name, like the first of ``shippedOverlays``).
    public static let hypervisorOverlay = "rk3588-rock-5b-hypervisor.dtbo"

    /// Every shipped overlay: one per design, then the hypervisor's.
    public static var allShippedOverlays: [String] { shippedOverlays.map(\.file) + [hypervisorOverlay] }

    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` and collects both streams. Standard output comes through a pipe read
    /// before waiting (the text can outgrow a pipe buffer); standard error goes to a file, so a
    /// tool with much to say there (a sanitizer's report, dtc's warnings on a large tree) never
    /// stalls on a full pipe nobody is reading yet.
    public static func run(_ executable: URL, _ arguments: [String]) throws -> Output {
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: errURL.path])
        }
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errFile = try FileHandle(forWritingTo: errURL)
        defer { try? errFile.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errFile
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Read through a handle: `Data(contentsOf:)` of a small file leaks its read buffer in
        // this Foundation (LeakSanitizer reports it at every call).
        let errData = (try? FileHandle(forReadingFrom: errURL))?.readDataToEndOfFile() ?? Data()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `dtc -I dtb -O dts` of a blob: the text tests compare trees by.
    public static func decompile(_ blob: URL) throws -> String {
        guard let dtc = tool("dtc") else { return "" }
        return try run(dtc, ["-q", "-I", "dtb", "-O", "dts", blob.path]).stdout
    }
}
