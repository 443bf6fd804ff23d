import Foundation
import Testing

/// `protmem abi run`: the shipped example scripts give exactly their expected output (written
/// from what Linux answers, kernel-interfaces.md §9), and malformed scripts stop with status 2.
@Suite struct ABIRunCommandTests {
    /// `Examples/abi`, found by walking up from this file.
    static let examples: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Examples/abi")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/Examples/abi")
    }()

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    /// The options a script runs with: a JSON array of strings in `<script>.args` beside it
    /// (the board's GPU design, the series' module parameter), none without one.
    static func arguments(of script: String) throws -> [String] {
        let path = examples.appendingPathComponent((script as NSString).deletingPathExtension + ".args").path
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String])
    }

    @Test func everyScriptHasItsExpectedOutputAndBack() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path)
        #expect(Self.scripts.count >= 8)
        for file in files {
            let stem = (file as NSString).deletingPathExtension
            if file.hasSuffix(".jsonl") { #expect(files.contains(stem + ".expected"), "\(file) has no .expected") }
            if file.hasSuffix(".expected") { #expect(files.contains(stem + ".jsonl"), "\(file) has no script") }
            if file.hasSuffix(".args") { #expect(files.contains(stem + ".jsonl"), "\(file) has no script") }
        }
    }

    @Test(arguments: scripts)
    func exampleGivesItsExpectedOutput(_ script: String) throws {
        let path = Self.examples.appendingPathComponent(script).path
        let expected = try String(contentsOfFile: path.replacingOccurrences(of: ".jsonl", with: ".expected"), encoding: .utf8)
        let result = try runProtMem(["abi", "run", path] + Self.arguments(of: script))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        if result.stdout != expected {
            let got = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
            Issue.record("\(script): output line \(first + 1) differs:\n  got      \(first < got.count ? String(got[first]) : "<end>")\n  expected \(first < want.count ? String(want[first]) : "<end>")")
        }
    }

    /// Every op of abi-script.md appears in some example.
    @Test func examplesCoverEveryOp() throws {
        var seen = Set<String>()
        for script in Self.scripts {
            let text = try String(contentsOf: Self.examples.appendingPathComponent(script), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("{") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                if let op = object?["op"] as? String { seen.insert(op) }
            }
        }
        #expect(seen == ["open", "alloc", "ioctl", "sync", "set_name", "mmap", "write", "read", "munmap", "fdinfo", "dup",
                         "close", "memfd", "udmabuf_create",
                         // The render node (Documentation/abi-script-render-node.md).
                         "drm_version", "prime_import", "gem_close", "syncobj_create", "syncobj_wait", "dev_query", "vm_create",
                         "vm_destroy", "vm_bind", "group_create", "group_submit", "group_get_state", "group_destroy",
                         "fw_protected_import"])
    }

    /// A script with one bad line: the lines before it run and print, the bad one stops the
    /// run with a message naming it, exit status 2.
    @Test(arguments: [
        (#"{"op": "close", "fd": "heap""#, #":4:29: error: not valid JSON: expected "," or "}" in an object"#),
        (#"{"op": "allocate", "fd": "heap"}"#, #":4:8: error: unknown op "allocate""#),
        (#"{"op": "alloc", "fd": "nosuch", "len": 4096, "fd_flags": 0, "heap_flags": 0, "as": "b"}"#, #":4:23: error: field "fd" names "nosuch", which no earlier line created"#),
        (#"{"op": "alloc", "fd": "heap", "len": 4096, "heap_flags": 0, "as": "b"}"#, #":4:1: error: op "alloc" needs field "fd_flags""#),
        (#"{"op": "open", "path": "/dev/null", "flags": "O_RDWRX", "as": "n"}"#, #":4:46: error: field "flags": unknown name "O_RDWRX""#),
        (#"{"op": "read", "map": "heap", "len": 1610612736}"#, #":4:38: error: field "len": 1610612736 bytes is more than one read may print (at most 16777216, 16 MiB)"#),
    ])
    func malformedLinesStopTheRun(_ bad: String, _ message: String) throws {
        let script = """
        # a valid start
        {"op": "open", "path": "/dev/dma_heap/system", "flags": "O_RDWR", "as": "heap"}

        \(bad)
        {"op": "close", "fd": "heap"}

        """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("abi-malformed-\(UUID().uuidString).jsonl")
        try script.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try runProtMem(["abi", "run", url.path])
        #expect(result.status == 2)
        #expect(result.stdout == "{\"line\": 2, \"op\": \"open\", \"ok\": true}\n", "only the lines before the bad one run")
        #expect(result.stderr.hasPrefix(url.path + message), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("\n") && result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test func invalidUTF8IsMalformed() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("abi-utf8-\(UUID().uuidString).jsonl")
        try Data("# ok\n{\"op\": \"close\", \"fd\": \"\u{FF}\"}\n".utf8.map { $0 == 0xc3 ? 0xff : $0 }).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try runProtMem(["abi", "run", url.path])
        #expect(result.status == 2)
        #expect(result.stderr == "\(url.path):2:24: error: not valid UTF-8\n", "\(result.stderr)")
    }

    /// `--kernel 7.3` answers as Debian's 7.3.4 does where it differs from 6.12: udmabuf's
    /// `size_limit_mb` lets the 65 MiB UDMABUF_CREATE through; every other line is the same.
    @Test func theKernelChoiceChangesOnlyWhatTheKernelsAnswerDifferently() throws {
        let path = Self.examples.appendingPathComponent("udmabuf.jsonl").path
        let old = try runProtMem(["abi", "run", path]), new = try runProtMem(["abi", "run", "--kernel", "7.3", path])
        #expect(old.status == 0 && new.status == 0, "\(old.stderr) \(new.stderr)")
        #expect(try runProtMem(["abi", "run", "--kernel", "6.12", path]).stdout == old.stdout)
        let oldLines = old.stdout.split(separator: "\n"), newLines = new.stdout.split(separator: "\n")
        #expect(oldLines.count == newLines.count)
        let differing = zip(oldLines, newLines).filter { $0 != $1 }
        #expect(differing.count == 1, "\(differing)")
        #expect(differing.first?.0.contains("\"line\": 34") == true && differing.first?.0.contains("EINVAL") == true)
        #expect(differing.first?.1 == "{\"line\": 34, \"op\": \"udmabuf_create\", \"ok\": true}")
        let linux = try runProtMem(["abi", "run", "--backend", "linux", "--kernel", "7.3", path])
        #expect(linux.status != 0 && linux.stderr.contains("--kernel says which kernel the model answers as"))
    }

    @Test func aMissingFileIsStatus1() throws {
        let result = try runProtMem(["abi", "run", "/nonexistent/script.jsonl"])
        #expect(result.status == 1)
        #expect(result.stderr == "protmem: /nonexistent/script.jsonl: cannot read: No such file or directory (ENOENT)\n", "\(result.stderr)")
    }
}
