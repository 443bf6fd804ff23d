import Foundation
import ProtMemTestSupport
import Testing

/// Runs the built `protmem` binary, which SwiftPM builds next to the test bundle.
func runProtMem(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let output = try BoardBlobs.run(directory.appendingPathComponent("protmem"), arguments)
    return (output.status, output.stdout, output.stderr)
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
        for command in ["simulate", "compare"] {
            let twice = try runProtMem([command, "a.dtb", "--board", "b.dtb"])
            #expect(twice.status == 64 && twice.stderr.contains("as an argument or with --board, not both"), "\(command): \(twice.stderr)")
        }
    }

    /// A 100 ms playback on the built-in board, written to a temporary file (the caller removes it).
    static func shortScenario() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-short-\(UUID().uuidString).yaml")
        try """
            name: short
            seed: 1
            board: builtin
            design: heap-by-name
            duration: 100ms
            workloads:
              - kind: secure-playback
                resolution: 1920x1080
                frame_rate: 30
                buffers: 3

            """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test(.enabled(if: BoardBlobs.built != nil, "dtc absent"))
    func theBoardIsItsArgumentOrTheBoardOption() throws {
        let blob = try #require(BoardBlobs.builtBlob("protmem-default.dtb")).path
        let scenario = try Self.shortScenario()
        defer { try? FileManager.default.removeItem(at: scenario) }
        let positional = try runProtMem(["simulate", "--scenario", scenario.path, "--json", blob])
        let option = try runProtMem(["simulate", "--scenario", scenario.path, "--json", "--board", blob])
        #expect(positional.status == 0, "\(positional.stderr)")
        #expect(positional.stdout == option.stdout)
    }

    @Test func anOutputInAMissingFolderIsRefusedNamingIt() throws {
        let scenario = try Self.shortScenario()
        defer { try? FileManager.default.removeItem(at: scenario) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-none-\(UUID().uuidString)").path
        let result = try runProtMem(["simulate", "--scenario", scenario.path, "--trace", folder + "/trace.json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("protmem: \(folder)/trace.json: cannot write") && result.stderr.contains("the directory \(folder) does not exist"),
                "\(result.stderr)")
    }
}
