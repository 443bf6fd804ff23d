/// Builds small firmware images for tests: a header, the entries added in order, then a data
/// area at `dataBase` that sections point into.
struct FirmwareImageBuilder {
    static let dataBase = 0x400
    static let sharedVA: UInt32 = 0x0400_0000

    var magic: UInt32 = 0xc3f1_3a6e
    var minor: UInt8 = 3
    var major: UInt8 = 0
    var versionHash: UInt32 = 0x0101_0000
    /// The header's size field; `nil` means "where the entries end".
    var size: UInt32?
    var entries: [[UInt8]] = []
    /// Bytes placed at `dataBase`.
    var data: [UInt8] = Array(repeating: 0xa5, count: 0x2000)

    static func word(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    static func entryWord(type: UInt8, size: Int, optional: Bool = false, update: Bool = false) -> UInt32 {
        UInt32(type) | UInt32(size & 0xff) << 8 | (update ? 1 << 30 : 0) | (optional ? 1 << 31 : 0)
    }

    /// The offset the next entry will have.
    var nextEntryOffset: Int { 20 + entries.reduce(0) { $0 + $1.count } }

    mutating func raw(type: UInt8, body: [UInt8], optional: Bool = false, declaredSize: Int? = nil) {
        let size = declaredSize ?? body.count + 4
        entries.append(Self.word(Self.entryWord(type: type, size: size, optional: optional)) + body)
    }

    mutating func section(
        flags: UInt32, va: (UInt32, UInt32), data: (UInt32, UInt32) = (0, 0), name: [UInt8] = [], optional: Bool = false
    ) {
        let body = [flags, va.0, va.1, data.0, data.1].flatMap(Self.word) + name
        raw(type: 0, body: body, optional: optional)
    }

    /// The shared interface section every accepted image needs.
    mutating func sharedSection(flags: UInt32 = 0xc000_001b) {
        section(flags: flags, va: (Self.sharedVA, Self.sharedVA + 0x1000))
    }

    mutating func buildInfo(metaStart: UInt32, metaSize: UInt32) {
        raw(type: 6, body: Self.word(metaStart) + Self.word(metaSize), optional: true)
    }

    func build() -> [UInt8] {
        let entryBytes = entries.flatMap { $0 }
        let end = 20 + entryBytes.count
        precondition(end <= Self.dataBase, "too many entries for the test layout")
        let header = Self.word(magic) + [minor, major, 0, 0] + Self.word(versionHash) + Self.word(0)
            + Self.word(size ?? UInt32(end))
        return header + entryBytes + Array(repeating: 0, count: Self.dataBase - end) + data
    }

    /// A valid image: a code section, a data section with initial bytes, the shared section.
    static func minimal() -> FirmwareImageBuilder {
        var builder = FirmwareImageBuilder()
        builder.section(flags: 0x0d, va: (0x0080_0000, 0x0080_2000), data: (UInt32(dataBase), UInt32(dataBase) + 0x100))
        builder.section(flags: 0x8000_000b, va: (0x0200_0000, 0x0200_4000), data: (UInt32(dataBase), UInt32(dataBase) + 0x40))
        builder.sharedSection()
        return builder
    }
}
