import ProtMemPanthor
import Testing

/// panthor_fw_read_build_info: one fatal check, then statuses it only logs.
@Suite("Firmware build info")
struct FirmwareBuildInfoTests {
    typealias Builder = FirmwareImageBuilder
    static let base = UInt32(Builder.dataBase)

    /// An image whose data area starts with `metadata`, and a build-info entry pointing at it.
    func image(metadata: [UInt8], metaStart: UInt32 = base, metaSize: UInt32? = nil) throws -> FirmwareImage {
        var builder = Builder.minimal()
        builder.data = metadata + Array(repeating: 0x41, count: 0x100)  // the minimal image's sections read 0x100 bytes
        builder.buildInfo(metaStart: metaStart, metaSize: metaSize ?? UInt32(metadata.count))
        return try FirmwareImage.parse(builder.build())
    }

    @Test func gitSHAIsTheTextAfterThePrefixUpToTheNUL() throws {
        let parsed = try image(metadata: Array("git_sha: 0123abcd \0".utf8))
        #expect(parsed.buildInfo.first?.status == .gitSHA(Array("0123abcd ".utf8)))
        #expect(parsed.gitSHA == "0123abcd ")
    }

    /// `%s` stops at the first NUL even when the range goes on.
    @Test func anEarlierNULEndsTheString() throws {
        let parsed = try image(metadata: Array("git_sha: abc\0def\0".utf8))
        #expect(parsed.gitSHA == "abc")
    }

    @Test func statusesPanthorOnlyLogs() throws {
        let fileSize = UInt32(Builder.dataBase + 0x100)  // the image built for empty metadata
        #expect(try image(metadata: [], metaStart: fileSize + 1, metaSize: 0).buildInfo.first?.status == .corrupt)
        #expect(try image(metadata: [], metaStart: fileSize - 4, metaSize: 8).buildInfo.first?.status == .corrupt)
        // A 32-bit wrap of meta_start + meta_size: the kernel's check passes; the model calls it corrupt.
        #expect(try image(metadata: [], metaStart: 0x10, metaSize: 0xffff_fff8).buildInfo.first?.status == .corrupt)
        #expect(try image(metadata: Array("version: 1\0".utf8)).buildInfo.first?.status == .unrecognized)
        #expect(try image(metadata: Array("git_sha: abc".utf8)).buildInfo.first?.status == .notNULTerminated)
        // Too short to reach past the prefix: the byte checked for NUL is inside the prefix.
        #expect(try image(metadata: Array("git_sha: abc\0".utf8), metaSize: 4).buildInfo.first?.status == .notNULTerminated)
        #expect(try image(metadata: Array("git_sha: abc".utf8)).gitSHA == nil)
    }

    @Test func aBodyShorterThanItsHeaderIsFatal() {
        var builder = Builder.minimal()
        let offset = builder.nextEntryOffset
        builder.raw(type: 6, body: [0, 0, 0, 0], optional: true)
        #expect(throws: FirmwareImageError(
            entry: .init(index: 3, offset: offset), offset: offset + 4, rule: .buildInfoEntryTooShort(bodySize: 4)
        )) {
            try FirmwareImage.parse(builder.build())
        }
    }

    @Test func noBuildInfoMeansNoGitSHA() throws {
        let parsed = try FirmwareImage.parse(Builder.minimal().build())
        #expect(parsed.buildInfo.isEmpty && parsed.gitSHA == nil)
    }
}
