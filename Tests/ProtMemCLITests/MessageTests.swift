import Foundation
import Testing

/// What the CLI says when something is wrong: the path, the reason in `strerror`'s words
/// with the C name, a location where there is one, and the values that would have been valid.
@Suite struct MessageTests {
    /// A fresh directory under the temporary directory, removed by the caller.
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-messages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        return directory
    }

    @Test func outputPathsAreCheckedBeforeTheRun() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let intoDirectory = try runProtMem(["simulate", "--trace", directory.path])
        #expect(intoDirectory.status == 1 && intoDirectory.stdout.isEmpty, "no run before the check")
        #expect(intoDirectory.stderr == "protmem: \(directory.path): cannot write: Is a directory (EISDIR)\n", "\(intoDirectory.stderr)")
        let missingParent = directory.appendingPathComponent("no/such/report.html").path
        let html = try runProtMem(["simulate", "--html", missingParent])
        #expect(html.status == 1 && html.stdout.isEmpty)
        #expect(html.stderr == "protmem: \(missingParent): cannot write: No such file or directory (ENOENT): the directory \(directory.path)/no does not exist\n",
                "\(html.stderr)")
    }

    @Test func unreadableInputsSayWhy() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [["simulate", "--scenario", directory.path], ["dtb", "dump", directory.path], ["abi", "run", directory.path],
                          ["firmware", "inspect", directory.path], ["simulate", "--firmware", directory.path]] {
            let result = try runProtMem(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.contains("\(directory.path): cannot read: Is a directory (EISDIR)\n"), "\(arguments): \(result.stderr)")
        }
    }

    /// `Examples/scenarios`, found by walking up from this file.
    static let scenarios: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Examples/scenarios")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/Examples/scenarios")
    }()

    /// A copy of an example scenario with one text replaced, in `directory`.
    static func brokenCopy(of example: String, replacing old: String, with new: String, in directory: URL) throws -> String {
        try brokenCopy(of: example, replacing: [(old, new)], in: directory)
    }

    static func brokenCopy(of example: String, replacing replacements: [(String, String)], in directory: URL) throws -> String {
        var text = try String(contentsOf: scenarios.appendingPathComponent(example), encoding: .utf8)
        for (old, new) in replacements {
            #expect(text.contains(old), "\(example) has no \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let path = directory.appendingPathComponent(example).path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func anEnumFieldListsItsValuesAtItsLocation() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.brokenCopy(of: "churn.yaml", replacing: "design: heap-by-name", with: "design: heap-by-nam", in: directory)
        let result = try runProtMem(["simulate", "--scenario", path])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr == "\(path):6:9: error: design: unknown design \"heap-by-nam\"; expected one of heap-by-name, reserved-region, heap-device, userspace-import\n",
                "\(result.stderr)")
    }

    /// Scenario and ABI-script errors share the compiler's `FILE:LINE:COLUMN: error: ` form.
    @Test func everyLocatedErrorHasOneForm() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try Self.brokenCopy(of: "trusted-ui.yaml", replacing: "frame_rate:", with: "frame_rat:", in: directory)
        let script = directory.appendingPathComponent("s.jsonl").path
        try "# one\n\n  {\"op\": \"close\", \"fd\": 3}\n".write(toFile: script, atomically: false, encoding: .utf8)
        let fromScenario = try runProtMem(["simulate", "--scenario", scenario])
        let fromScript = try runProtMem(["abi", "run", script])
        #expect(fromScript.stderr == "\(script):3:25: error: field \"fd\" must be a string, found a number\n", "\(fromScript.stderr)")
        let form = /^(.+):([0-9]+):([0-9]+): error: [^\n]+\n$/
        for (result, file) in [(fromScenario, scenario), (fromScript, script)] {
            let match = try #require(result.stderr.wholeMatch(of: form), "\(result.stderr)")
            #expect(String(match.1) == file)
        }
    }

    @Test func aHeapTheBoardLacksIsReportedAtItsField() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.brokenCopy(of: "churn.yaml", replacing: "heap: protected-carveout", with: "heap: no-such-heap", in: directory)
        let result = try runProtMem(["simulate", "--scenario", path])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr == """
            \(path):12:11: error: workloads[0].heap: board protmem-default has no heap "no-such-heap"; its heaps are "system", "linux,cma", \
            "protected-carveout", "protected,secure-video"

            """, "\(result.stderr)")
    }

    /// `--seed -1` and `--seed=-1` both reach the seed's own check (ArgumentParser would take
    /// `-1` for an option), which says the range; exit status 64 as for every usage error.
    @Test(arguments: [
        (["--seed", "-1"], "The value '-1' is invalid for '--seed <seed>': a seed is unsigned: must be a whole number 0…18446744073709551615"),
        (["--seed=-1"], "The value '-1' is invalid for '--seed <seed>': a seed is unsigned: must be a whole number 0…18446744073709551615"),
        (["--seed", "18446744073709551616"], "The value '18446744073709551616' is invalid for '--seed <seed>': must be a whole number 0…"),
        (["--seed", "seven"], "The value 'seven' is invalid for '--seed <seed>': must be a whole number 0…"),
        (["--seed", "--json"], "The value '--json' is invalid for '--seed <seed>': --seed needs a value: must be a whole number 0…"),
    ])
    func badSeedsSayTheRange(_ arguments: [String], _ message: String) throws {
        let result = try runProtMem(["simulate"] + arguments)
        #expect(result.status == 64 && result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: " + message), "\(result.stderr)")
    }

    @Test func seedsTakeTheWholeRangeInDecimalOrHex() throws {
        let top = try runProtMem(["simulate", "--scenario", Self.scenarios.appendingPathComponent("trusted-ui.yaml").path, "--seed", "18446744073709551615"])
        #expect(top.status == 0 && top.stdout.contains(", seed 18446744073709551615, "), "\(top.stderr)")
        let hex = try runProtMem(["simulate", "--scenario", Self.scenarios.appendingPathComponent("trusted-ui.yaml").path, "--seed", "0x10"])
        #expect(hex.status == 0 && hex.stdout.contains(", seed 16, "), "\(hex.stderr)")
    }

    /// A churn that did fewer operations than asked says so in the JSON and the summary.
    @Test func aShortChurnIsReported() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.brokenCopy(of: "churn.yaml", replacing: [("operations: 4000", "operations: 100000000"), ("duration: 1s", "duration: 20ms")],
                                       in: directory)
        let json = try runProtMem(["simulate", "--scenario", path, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let shortfalls = try #require(object["shortfalls"] as? [[String: Any]])
        #expect(shortfalls.count == 1)
        #expect(shortfalls.first?["workload"] as? String == "workloads[0] (churn)")
        #expect(shortfalls.first?["operations_asked"] as? Int == 100_000_000)
        #expect(shortfalls.first?["operations_done"] as? Int == 20_000)
        let summary = try runProtMem(["simulate", "--scenario", path])
        #expect(summary.stdout.contains("\nnote: workloads[0] (churn) did 20000 of the 100000000 operations asked: churn operations are at least 1us apart, so a run of 20ms holds at most 20000\n"),
                "\(summary.stdout)")
    }

    @Test func versionNamesThePackageAndWhatItModels() throws {
        let result = try runProtMem(["--version"])
        #expect(result.status == 0 && result.stderr.isEmpty)
        #expect(result.stdout == """
            protmem 0.1.0 (models Linux 6.12 dma-buf, dma-heap and udmabuf userspace ABI; Linux 6.18 tee_heap and OP-TEE protected memory; \
            panthor 1.9 with the May 2026 protected-mode series; Mali CSF firmware header 0.x)

            """)
    }

    @Test func bufinfoAtAChosenTime() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = Self.scenarios.appendingPathComponent("trusted-ui.yaml").path
        let one = try runProtMem(["simulate", "--scenario", scenario, "--bufinfo-at", "0.5s"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.hasPrefix("\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"))
        let end = try #require(one.stdout.range(of: #"\nTotal [0-9]+ objects, [0-9]+ bytes\n"#, options: .regularExpression))
        #expect(one.stdout[end.upperBound...].hasPrefix("scenario trusted-ui on protmem-default"), "then the summary")

        let file = directory.appendingPathComponent("bufinfo.txt").path
        let two = try runProtMem(["simulate", "--scenario", scenario, "--json", "--bufinfo-at", "0.5s", "--bufinfo-at=1ms", "--bufinfo-out", file])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) is [String: Any], "standard output is the JSON alone")
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(written.hasPrefix("==> bufinfo at 1ms <==\n\nDma-buf Objects:\n"))
        #expect(written.contains("\n\n==> bufinfo at 500ms <==\n\nDma-buf Objects:\n"))
        #expect(written.hasSuffix(String(one.stdout[..<end.upperBound])), "the same text at the same time")
    }

    @Test(arguments: [
        (["--bufinfo-at", "soon"], 64, "The value 'soon' is invalid for '--bufinfo-at <time>': expected a virtual time such as 1.5s, 500ms, 250us or 100ns"),
        (["--bufinfo-at", "1s", "--json"], 64, "--bufinfo-at with --json needs --bufinfo-out"),
        (["--bufinfo-out", "/tmp/b.txt"], 64, "--bufinfo-out needs --bufinfo-at"),
        (["--bufinfo-at", "3s"], 1, "protmem: --bufinfo-at 3s is after the end of scenario trusted-ui (1s)"),
    ])
    func bufinfoMisuse(_ arguments: [String], _ status: Int32, _ message: String) throws {
        let result = try runProtMem(["simulate", "--scenario", Self.scenarios.appendingPathComponent("trusted-ui.yaml").path] + arguments)
        #expect(result.status == status && result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// Every number in every command's JSON has its unit in README's "Units in the JSON".
    @Test func everyJSONNumberHasItsUnitDocumented() throws {
        let readme = try String(contentsOf: Self.scenarios.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"),
                                encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Units in the JSON").dropFirst().first?.components(separatedBy: "\n## ").first)
        func numericKeys(_ value: Any, key: String?, into keys: inout Set<String>) {
            if let object = value as? [String: Any] {
                // `occupancy` is keyed by heap name.
                for (name, member) in object { numericKeys(member, key: key == "occupancy" ? "occupancy[]" : name, into: &keys) }
            } else if let array = value as? [Any] {
                for element in array { numericKeys(element, key: key, into: &keys) }
            } else if let number = value as? NSNumber, String(cString: number.objCType) != "c", let key {
                keys.insert(key)
            }
        }
        let churn = Self.scenarios.appendingPathComponent("churn.yaml").path
        for arguments in [["simulate", "--scenario", churn, "--json"], ["compare", "--scenario", Self.scenarios.appendingPathComponent("trusted-ui.yaml").path, "--json"],
                          ["heaps", "--json"], ["board", "--json"]] {
            let result = try runProtMem(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            var keys = Set<String>()
            numericKeys(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)), key: nil, into: &keys)
            #expect(!keys.isEmpty)
            if arguments[0] == "simulate" {
                #expect(keys.isSuperset(of: ["duration", "peak_bytes", "time", "bytes", "mean_enter_latency"] as Set) && !keys.contains("protected"), "\(keys)")
            }
            for key in keys.sorted() { #expect(section.contains("`\(key)`"), "\(arguments[0]) --json: \(key) has no unit in README") }
        }
    }

    /// A test that cannot run is skipped through `.enabled(if:, "reason")`, which names it and
    /// says why, never by printing and returning (which reports it as passed).
    @Test func testsSkipThroughTheFramework() throws {
        let tests = Self.scenarios.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests")
        let files = (FileManager.default.enumerator(atPath: tests.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        for file in files {
            let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("print(\"SKIP"), "\(file) prints a skip instead of using .enabled(if:)")
        }
    }
}
