import Foundation
import Testing

/// Runs the built `protmem` binary, which SwiftPM builds next to the test bundle.
func runProtMem(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let process = Process()
    process.executableURL = directory.appendingPathComponent("protmem")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite struct HeapsCommandTests {
    struct Row: Decodable, Equatable {
        let name: String
        let kind: String
        let size: UInt64
        let free: UInt64
        let protected: Bool
    }

    @Test func jsonListsTheDefaultBoardsHeaps() throws {
        let result = try runProtMem(["heaps", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONDecoder().decode([Row].self, from: Data(result.stdout.utf8))
        #expect(rows == [
            Row(name: "system", kind: "system", size: 1_677_721_600, free: 1_677_717_504, protected: false),
            Row(name: "linux,cma", kind: "cma", size: 268_435_456, free: 268_435_456, protected: false),
            Row(name: "protected-carveout", kind: "carveout", size: 134_217_728, free: 134_217_728, protected: true),
            Row(name: "protected,secure-video", kind: "optee-static", size: 67_108_864, free: 67_108_864, protected: true),
        ])
    }

    @Test func tableListsTheSameHeaps() throws {
        let result = try runProtMem(["heaps"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "board: protmem-default")
        #expect(lines.dropFirst().first?.hasPrefix("NAME") == true)
        #expect(lines.contains { $0.hasPrefix("protected-carveout") && $0.hasSuffix("yes") && $0.contains("128 MiB") })
        #expect(lines.contains { $0.hasPrefix("system") && $0.hasSuffix("no") })
    }

    @Test func unknownOptionsExitWithUsageError() throws {
        let result = try runProtMem(["heaps", "--bogus"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--bogus"))
    }
}

@Suite struct SimulateCommandTests {
    @Test func withNoArgumentsItRunsTheBuiltinPlayback() throws {
        let result = try runProtMem(["simulate"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("scenario builtin-secure-playback-4k60 on protmem-default, design heap-by-name, seed 1, 2.000 s simulated"))
        #expect(result.stdout.contains("protected mode: 120 entries, 120 exits"))
        #expect(result.stdout.contains("invariant violations: 0"))
        #expect(result.stderr.isEmpty, "no progress bar into a pipe: \(result.stderr)")
    }

    @Test func badArgumentsAndFilesAreRefusedClearly() throws {
        let design = try runProtMem(["simulate", "--design", "magic"])
        #expect(design.status == 64 && design.stderr.contains("unknown design \"magic\""))
        let missing = try runProtMem(["simulate", "--scenario", "/nonexistent.yaml"])
        #expect(missing.status == 1 && missing.stderr == "protmem: /nonexistent.yaml: cannot read: No such file or directory (ENOENT)\n", "\(missing.stderr)")
    }
}
