import Foundation
import Testing

/// `protmem dtb dump|roundtrip|apply`, run as the built binary and judged by
/// dtc and fdtoverlay.
@Suite struct DTBCommandTests {
    @Test(
        "dump prints what dtc -I dtb -O dts prints",
        .enabled(if: CLITools.sharedBlob != nil, "../shared/data absent"),
        .enabled(if: CLITools.hasTools, "dtc/fdtoverlay not installed"))
    func dumpMatchesDTC() throws {
        let blob = try #require(CLITools.sharedBlob)
        let result = try runProtMem(["dtb", "dump", blob.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try CLITools.run("dtc", ["-q", "-I", "dtb", "-O", "dts", blob.path]).stdout))
        #expect(result.stdout.contains("\tgpu@fb000000 {\n"))
    }

    @Test("roundtrip rewrites a dtc-built blob byte for byte", .enabled(if: CLITools.sharedBlob != nil, "../shared/data absent"))
    func roundtrip() throws {
        let blob = try #require(CLITools.sharedBlob)
        let output = CLITools.temporaryFile("dtb")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try runProtMem(["dtb", "roundtrip", blob.path, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: output) == Data(contentsOf: blob))
    }

    @Test("apply writes what fdtoverlay writes", .enabled(if: CLITools.hasTools, "dtc/fdtoverlay not installed"))
    func applyMatchesFdtoverlay() throws {
        let base = try CLITools.compile("base.dts")
        let first = try CLITools.compile("fixups.dtso"), second = try CLITools.compile("second.dtso")
        let mine = CLITools.temporaryFile("dtb"), theirs = CLITools.temporaryFile("dtb")
        defer { for file in [base, first, second, mine, theirs] { try? FileManager.default.removeItem(at: file) } }

        let result = try runProtMem(["dtb", "apply", base.path, first.path, second.path, "-o", mine.path])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try CLITools.run("fdtoverlay", ["-i", base.path, "-o", theirs.path, first.path, second.path])
        #expect(reference.status == 0)
        let dump = { (file: URL) in try CLITools.run("dtc", ["-q", "-I", "dtb", "-O", "dts", file.path]).stdout }
        #expect(try dump(mine) == dump(theirs))
    }

    @Test("apply names the overlay and libfdt's error, exit 1", .enabled(if: CLITools.hasTools, "dtc/fdtoverlay not installed"))
    func applyRefusal() throws {
        let base = try CLITools.compile("base.dts"), overlay = try CLITools.compile("Errors/unknown-label.dtso")
        let output = CLITools.temporaryFile("dtb")
        defer { for file in [base, overlay] { try? FileManager.default.removeItem(at: file) } }
        let result = try runProtMem(["dtb", "apply", base.path, overlay.path, "-o", output.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("protmem: \(overlay.path): cannot apply: "))
        #expect(result.stderr.contains("no label \"nosuchlabel\""))
        #expect(result.stderr.contains("FDT_ERR_NOTFOUND"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("a malformed blob gives the parser's message with its byte offset, exit 1")
    func malformedBlob() throws {
        let file = CLITools.temporaryFile("dtb")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("not a device tree blob, just text....................".utf8).write(to: file)
        for arguments in [["dtb", "dump", file.path], ["dtb", "roundtrip", file.path, file.path + ".out"],
                          ["dtb", "apply", file.path, file.path, "-o", file.path + ".out"]] {
            let result = try runProtMem(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "protmem: \(file.path): FDT byte 0x0: expected magic 0xd00dfeed, found 0x6e6f7420\n")
        }
        #expect(!FileManager.default.fileExists(atPath: file.path + ".out"))
    }

    @Test("a truncated real blob names the offset where data ran out", .enabled(if: CLITools.sharedBlob != nil, "../shared/data absent"))
    func truncatedBlob() throws {
        let blob = try #require(CLITools.sharedBlob)
        let file = CLITools.temporaryFile("dtb")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(contentsOf: blob).prefix(100).write(to: file)
        let result = try runProtMem(["dtb", "dump", file.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("protmem: \(file.path): FDT byte 0x64: expected "))
    }

    @Test("missing files and arguments")
    func missingInput() throws {
        let unreadable = try runProtMem(["dtb", "dump", "/nonexistent/protmem.dtb"])
        #expect(unreadable.status == 1)
        #expect(unreadable.stderr.hasPrefix("protmem: /nonexistent/protmem.dtb: cannot read"))
        let noOverlay = try runProtMem(["dtb", "apply", "/nonexistent/base.dtb", "-o", "/tmp/out.dtb"])
        #expect(noOverlay.status == 64)
        #expect(noOverlay.stderr.contains("<overlays>"))
    }
}

/// Reference tools, shared data and fixtures for the CLI tests.
enum CLITools {
    static let hasTools: Bool = {
        find("dtc") != nil && find("fdtoverlay") != nil
    }()

    /// rk3588-rock-5b.dtb from ../shared/data, found by walking up from this file.
    static let sharedBlob: URL? = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/data/dtb/linux-6.12/rockchip/rk3588-rock-5b.dtb")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ProtMemDeviceTreeTests/Fixtures/Overlays").standardized

    static func find(_ tool: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = find(tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Compiles a fixture with `dtc -@` into a temporary file (the caller removes it).
    static func compile(_ fixture: String) throws -> URL {
        let output = temporaryFile(fixture.hasSuffix(".dtso") ? "dtbo" : "dtb")
        let result = try run("dtc", ["-@", "-I", "dts", "-O", "dtb", "-o", output.path, fixtures.appendingPathComponent(fixture).path])
        guard result.status == 0 else { throw CompileFailure(fixture: fixture) }
        return output
    }

    struct CompileFailure: Error, CustomStringConvertible {
        var fixture: String
        var description: String { "dtc could not compile \(fixture)" }
    }

    static func temporaryFile(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("protmem-cli-\(UUID().uuidString).\(suffix)")
    }
}
