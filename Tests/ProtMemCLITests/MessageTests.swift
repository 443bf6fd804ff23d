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
}
