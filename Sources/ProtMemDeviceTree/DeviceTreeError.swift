/// A malformed flattened device tree blob.
///
/// Every parse failure names the exact byte where the blob stopped making
/// sense, so a corrupt DTB handed over by a bootloader can be diagnosed with a
/// hex dump instead of guesswork.
public struct DeviceTreeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset in the blob (from its first byte, not from a block start).
    public var offset: Int
    /// What the format requires at `offset`.
    public var expected: String
    /// What the blob holds there instead.
    public var found: String

    public init(offset: Int, expected: String, found: String) {
        self.offset = offset
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "FDT byte 0x\(String(offset, radix: 16)): expected \(expected), found \(found)"
    }
}

extension DeviceTreeError {
    /// Formats a big-endian word the way `fdtdump` and hex dumps show it, so a
    /// message can be matched against a dump by eye.
    static func word(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    static func hex(_ value: some BinaryInteger) -> String {
        "0x" + String(value, radix: 16)
    }
}
