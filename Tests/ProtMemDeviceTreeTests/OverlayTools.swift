import Foundation
import ProtMemDeviceTree

/// The reference tools for overlays: `dtc` compiles the fixture sources and
/// prints results as text, `fdtoverlay` (libfdt's `fdt_overlay_apply`)
/// produces the result every overlay test compares against.
enum OverlayTools {
    static let fdtoverlay: URL? = DTC.find("fdtoverlay")

    /// Whether both tools are there (tests without them are skipped with `.enabled(if:)`).
    static func isAvailable() -> Bool {
        DTC.executable != nil && fdtoverlay != nil
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Overlays", isDirectory: true)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Compiles a fixture (`fixups.dtso`, `Errors/no-target.dtso`) with
    /// `dtc -@ -I dts -O dtb`; `force` adds `-f` for sources dtc itself
    /// rejects (a 2-byte phandle), which libfdt must then refuse.
    static func compile(_ fixture: String, symbols: Bool = true, force: Bool = false) throws -> [UInt8] {
        try compile(file: fixtures.appendingPathComponent(fixture), symbols: symbols, force: force)
    }

    /// Compiles source text written by a test.
    static func compile(source: String, force: Bool = false) throws -> [UInt8] {
        let file = temporaryURL("dts")
        try Data(source.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try compile(file: file, symbols: true, force: force)
    }

    private static func compile(file: URL, symbols: Bool, force: Bool) throws -> [UInt8] {
        let output = temporaryURL("dtb")
        defer { try? FileManager.default.removeItem(at: output) }
        let flags = (symbols ? ["-@"] : []) + (force ? ["-f"] : [])
        let result = try execute(DTC.executable, flags + ["-I", "dts", "-O", "dtb", "-o", output.path, file.path])
        guard result.status == 0 else {
            throw Failure(description: "dtc could not compile \(file.lastPathComponent): \(result.stderr)")
        }
        return [UInt8](try Data(contentsOf: output))
    }

    /// What `fdtoverlay` did: the blob it wrote, or the libfdt error name it printed.
    enum Outcome {
        case applied([UInt8])
        case failed(errorName: String, message: String)
    }

    /// `fdtoverlay -i BASE -o OUT OVERLAY...`.
    static func fdtoverlay(base: [UInt8], overlays: [[UInt8]]) throws -> Outcome {
        let baseFile = temporaryURL("dtb"), outFile = temporaryURL("dtb")
        let overlayFiles = overlays.map { _ in temporaryURL("dtbo") }
        defer {
            for file in [baseFile, outFile] + overlayFiles { try? FileManager.default.removeItem(at: file) }
        }
        try Data(base).write(to: baseFile)
        for (bytes, file) in zip(overlays, overlayFiles) { try Data(bytes).write(to: file) }
        let result = try execute(fdtoverlay, ["-i", baseFile.path, "-o", outFile.path] + overlayFiles.map(\.path))
        guard result.status == 0 else {
            // "Failed to apply 'x.dtbo': FDT_ERR_…" (or, for FDT_ERR_NOSPACE,
            // "Failed to make temporary copy: FDT_ERR_NOSPACE" once its retry
            // loop with ever larger buffers gives up).
            let name = result.stderr.split(whereSeparator: { !$0.isLetter && $0 != "_" })
                .first { $0.hasPrefix("FDT_ERR_") }.map(String.init) ?? ""
            return .failed(errorName: name, message: result.stderr)
        }
        return .applied([UInt8](try Data(contentsOf: outFile)))
    }

    /// Compares two blobs the way the tests judge results: through dtc's text.
    static func text(of blob: [UInt8]) throws -> String {
        try DTC.decompile(bytes: blob)
    }

    static func text(of tree: DeviceTree) throws -> String {
        try DTC.decompile(bytes: FlattenedDeviceTree.serialize(tree))
    }

    static func execute(_ tool: URL?, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        guard let tool else { throw Failure(description: "tool not found") }
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    private static func temporaryURL(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("protmem-overlay-\(UUID().uuidString).\(suffix)")
    }
}
