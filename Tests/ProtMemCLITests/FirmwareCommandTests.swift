import Foundation
import Testing

/// `protmem firmware inspect`, run as a built binary on a real image, a corrupted copy and a
/// missing file.
@Suite struct FirmwareCommandTests {
    struct Report: Decodable {
        struct Version: Decodable, Equatable {
            let major: Int
            let minor: Int
        }

        struct Section: Decodable {
            let name_hex: String
            let flags: UInt32
            let va_start: UInt32
            let va_end: UInt32
            let data_start: UInt32
            let data_end: UInt32
            let `protected`: Bool
            let shared: Bool
            let zero: Bool
        }

        let version: Version
        let sections: [Section]
        let build_info: String?
    }

    /// The arch10.8 image (Mali-G610, RK3588), found by walking up to `shared/data`.
    static let image: URL? = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent("shared/data/firmware/mali/arch10.8/mali_csffw.bin")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }()

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    @Test(.enabled(if: image != nil, "../shared/data absent"))
    func jsonDescribesTheRealImage() throws {
        let image = try #require(Self.image)
        let result = try runProtMem(["firmware", "inspect", "--json", image.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("{\"version\": {\"major\": 0, \"minor\": 3}, \"sections\": [{\"name_hex\": "))
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))

        // Compare with the file itself: the IFACE entries (type 0) in order, read by hand.
        let bytes = [UInt8](try Data(contentsOf: image))
        var offset = 20, expected: [(flags: UInt32, va: [UInt32], data: [UInt32])] = []
        while offset < Int(Self.u32(bytes, 16)) {
            let word = Self.u32(bytes, offset)
            if word & 0xff == 0 {
                expected.append((Self.u32(bytes, offset + 4), [Self.u32(bytes, offset + 8), Self.u32(bytes, offset + 12)],
                                 [Self.u32(bytes, offset + 16), Self.u32(bytes, offset + 20)]))
            }
            offset += Int((word >> 8) & 0xff)
        }
        #expect(report.version == .init(major: Int(bytes[5]), minor: Int(bytes[4])))
        #expect(report.sections.map(\.flags) == expected.map(\.flags))
        #expect(report.sections.map { [$0.va_start, $0.va_end] } == expected.map(\.va))
        #expect(report.sections.map { [$0.data_start, $0.data_end] } == expected.map(\.data))
        #expect(report.sections.map(\.protected) == expected.map { $0.flags & 0x20 != 0 })
        #expect(report.sections.map(\.shared) == expected.map { $0.flags & 0x4000_0000 != 0 })
        #expect(report.sections.map(\.zero) == expected.map { $0.flags & 0x8000_0000 != 0 })
        #expect(report.sections.filter(\.protected).map { [$0.va_start, $0.va_end] } == [[0x0300_0000, 0x0304_0000]])
        #expect(report.sections.allSatisfy { $0.name_hex.count == 16 })
        #expect(report.build_info == "814b47b551159067b67a37c4e9adda458ad9d852 ")
    }

    @Test(.enabled(if: image != nil, "../shared/data absent"))
    func tableListsTheSections() throws {
        let image = try #require(Self.image)
        let result = try runProtMem(["firmware", "inspect", image.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("build info: git_sha: 814b47b551159067b67a37c4e9adda458ad9d852 "))
        #expect(lines.contains { $0.hasPrefix("header: version 0.3") })
        #expect(lines.contains { $0.hasPrefix("#  NAME") && $0.contains("CACHE") })
        let protected = lines.filter { $0.contains("RD|WR|CACHED|PROT") }
        #expect(protected.count == 1)
        #expect(protected.first?.contains("0x03000000-0x03040000") == true)
        #expect(lines.contains { $0.contains("SHARED") && $0.contains("CACHED_COHERENT") && $0.contains("0x04000000-") })
    }

    /// A copy with the shared section's SHARED bit cleared: exit 1, panthor's reason on stderr.
    @Test(.enabled(if: image != nil, "../shared/data absent"))
    func aCorruptedCopyExitsWithTheParsersMessage() throws {
        let image = try #require(Self.image)
        var bytes = [UInt8](try Data(contentsOf: image))
        let sharedEntry = 0xf4  // entry 7, the section at 0x04000000 (checked below)
        #expect(Self.u32(bytes, sharedEntry + 8) == 0x0400_0000)
        bytes[sharedEntry + 4 + 3] &= ~0x40
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-fw-\(UUID().uuidString).bin")
        try Data(bytes).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }

        let result = try runProtMem(["firmware", "inspect", "--json", copy.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("entry 7 (at 0xf4), byte 0xf8"))
        #expect(result.stderr.contains("Interface at 0x4000000 must be shared"))
        #expect(result.stderr.contains("EINVAL"))
    }

    @Test func aMissingFileExitsWithAClearMessage() throws {
        let result = try runProtMem(["firmware", "inspect", "/nonexistent/mali_csffw.bin"])
        #expect(result.status == 1)
        #expect(result.stderr == "protmem: /nonexistent/mali_csffw.bin: cannot read: No such file or directory (ENOENT)\n")
    }
}
