/// Typed views of a property's bytes.
///
/// Each reader checks the length it needs exactly, because a silently
/// truncated or padded value (a 4-byte `reg` read as 8) is how address bugs
/// reach hardware.
extension DeviceTreeProperty {
    /// The value as big-endian 32-bit cells; the length must be a multiple of 4.
    public func cells() throws(DeviceTreeValueError) -> [UInt32] {
        guard value.count % 4 == 0 else {
            throw DeviceTreeValueError(
                property: name, expected: "a multiple of 4 bytes (32-bit cells)", found: "\(value.count) bytes")
        }
        var result: [UInt32] = []
        result.reserveCapacity(value.count / 4)
        var offset = value.startIndex
        while offset < value.endIndex {
            result.append(bigEndian(value[offset..<offset + 4]))
            offset += 4
        }
        return result
    }

    /// The value as exactly one big-endian 32-bit cell.
    public func u32() throws(DeviceTreeValueError) -> UInt32 {
        guard value.count == 4 else {
            throw DeviceTreeValueError(property: name, expected: "4 bytes (one u32 cell)", found: "\(value.count) bytes")
        }
        return bigEndian(value[...])
    }

    /// The value as exactly one big-endian 64-bit number (two cells, high first).
    public func u64() throws(DeviceTreeValueError) -> UInt64 {
        guard value.count == 8 else {
            throw DeviceTreeValueError(property: name, expected: "8 bytes (one u64)", found: "\(value.count) bytes")
        }
        return bigEndian(value[...])
    }

    /// The value as one NUL-terminated UTF-8 string with no embedded NUL.
    public func string() throws(DeviceTreeValueError) -> String {
        let list = try stringList()
        guard list.count == 1, let only = list.first else {
            throw DeviceTreeValueError(
                property: name, expected: "exactly one NUL-terminated string", found: "\(list.count) strings")
        }
        return only
    }

    /// The value as a list of NUL-terminated UTF-8 strings (`compatible`,
    /// `clock-names`); an empty value is an empty list.
    public func stringList() throws(DeviceTreeValueError) -> [String] {
        guard !value.isEmpty else { return [] }
        guard value.last == 0 else {
            throw DeviceTreeValueError(
                property: name, expected: "NUL-terminated string data", found: "last byte 0x\(String(value[value.count - 1], radix: 16))")
        }
        var strings: [String] = []
        var start = 0
        for index in value.indices where value[index] == 0 {
            guard let string = String(validating: value[start..<index], as: UTF8.self) else {
                throw DeviceTreeValueError(
                    property: name, expected: "UTF-8 strings", found: "invalid UTF-8 at byte \(start)")
            }
            strings.append(string)
            start = index + 1
        }
        return strings
    }
}
