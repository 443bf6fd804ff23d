import Foundation
import ProtMemSimulation
import Testing

/// Host files fail with the path, `strerror`'s words and the C name, never a Foundation
/// error domain and code.
@Suite struct HostFileTests {
    static func scratch() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        return directory
    }

    @Test func readsAndWritesBytes() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try HostFile.write(bytes, to: directory + "/f")
        #expect(try HostFile.read(directory + "/f") == bytes)
        try HostFile.write("short", to: directory + "/f")
        #expect(try HostFile.read(directory + "/f") == Array("short".utf8), "writing truncates")
    }

    @Test func readFailuresSayWhy() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: HostFile.Failure(path: directory + "/none", operation: .read, errno: HostErrno(rawValue: ENOENT))) {
            try HostFile.read(directory + "/none")
        }
        #expect(throws: HostFile.Failure(path: directory, operation: .read, errno: HostErrno(rawValue: EISDIR))) {
            try HostFile.read(directory)
        }
        do {
            _ = try HostFile.read(directory + "/none")
        } catch {
            #expect(error.description == "\(directory)/none: cannot read: No such file or directory (ENOENT)")
        }
        #expect(HostErrno(rawValue: EACCES).description == "Permission denied (EACCES)")
        #expect(HostErrno(rawValue: EISDIR).description == "Is a directory (EISDIR)")
    }

    @Test func writeFailuresSayWhy() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for writes in [true, false] {
            func check(_ path: String) throws {
                if writes { try HostFile.write([1], to: path) } else { try HostFile.checkWritable(path) }
            }
            #expect(throws: HostFile.Failure(path: directory, operation: .write, errno: HostErrno(rawValue: EISDIR))) { try check(directory) }
            let nested = directory + "/a/b/trace.json"
            #expect(throws: HostFile.Failure(path: nested, operation: .write, errno: HostErrno(rawValue: ENOENT),
                                             detail: "the directory \(directory)/a does not exist")) { try check(nested) }
        }
        do {
            try HostFile.checkWritable(directory + "/a/t.json")
        } catch {
            #expect(error.description == "\(directory)/a/t.json: cannot write: No such file or directory (ENOENT): the directory \(directory)/a does not exist")
        }
        try HostFile.checkWritable(directory + "/new.json")
        #expect(!FileManager.default.fileExists(atPath: directory + "/new.json"), "a check creates nothing")
    }

    /// A failure while the bytes move (not at `open`) still names the host's errno: a full
    /// device's `ENOSPC`, a read of unmapped memory's `EIO`.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full"))
    func transferFailuresSayWhy() throws {
        #expect(throws: HostFile.Failure(path: "/dev/full", operation: .write, errno: HostErrno(rawValue: ENOSPC))) {
            try HostFile.write(Array(repeating: 1, count: 1 << 17), to: "/dev/full")
        }
        do {
            try HostFile.write([1], to: "/dev/full")
        } catch {
            #expect(error.description == "/dev/full: cannot write: No space left on device (ENOSPC)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/mem"), "needs /proc/self/mem"))
    func readFailuresAfterOpenSayWhy() throws {
        // Offset 0 of a process's memory is never mapped.
        #expect(throws: HostFile.Failure(path: "/proc/self/mem", operation: .read, errno: HostErrno(rawValue: EIO))) {
            try HostFile.read("/proc/self/mem")
        }
    }

    @Test func emptyFilesReadAsNoBytes() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try HostFile.write([UInt8](), to: directory + "/empty")
        #expect(try HostFile.read(directory + "/empty") == [])
        #expect(try HostFile.read("/dev/null") == [])
    }
}
