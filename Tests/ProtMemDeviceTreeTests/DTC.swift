import Foundation

/// Runs the real dtc tools so round trips are judged by the reference
/// implementation, not by this module's own idea of equality: `dtc` with its
/// own blob reader, `fdtget` through libfdt.
enum DTC {
    static let executable: URL? = find("dtc")
    static let fdtget: URL? = find("fdtget")

    static func find(_ tool: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Whether dtc and fdtget are there (Scripts/install-dtc.sh installs them); tests
    /// without them are skipped with `.enabled(if:)`.
    static func isAvailable() -> Bool {
        executable != nil && fdtget != nil
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool and returns its standard output. Standard error (dtc's
    /// warnings) is discarded; it is not part of the tree text.
    static func run(_ tool: URL?, _ arguments: [String]) throws -> String {
        guard let tool else { throw Failure(description: "tool not found") }
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: the text can be larger than a pipe buffer.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(tool.lastPathComponent) \(arguments) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `dtc -I dtb -O dts FILE`.
    static func decompile(_ blob: URL) throws -> String {
        try run(executable, ["-q", "-I", "dtb", "-O", "dts", blob.path])
    }

    /// Writes `bytes` to a fresh temporary file and decompiles it.
    static func decompile(bytes: [UInt8]) throws -> String {
        try withTemporaryFile(bytes) { try decompile($0) }
    }

    /// `fdtget -t x FILE NODE PROPERTY`, i.e. libfdt's path lookup and getprop.
    static func fdtgetHex(bytes: [UInt8], node: String, property: String) throws -> String {
        try withTemporaryFile(bytes) {
            try run(fdtget, ["-t", "x", $0.path, node, property]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func withTemporaryFile<T>(_ bytes: [UInt8], _ body: (URL) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("protmem-dt-\(UUID().uuidString).dtb")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }
}
