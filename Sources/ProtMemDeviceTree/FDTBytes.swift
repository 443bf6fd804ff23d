/// Bounds-checked big-endian view of a blob for the duration of one parse.
///
/// Every read takes an explicit `limit` (the end of the block being read) so
/// a length field can never walk a read out of its block, and returns nil
/// instead of trapping: the caller knows what it was looking for and turns
/// the nil into a `DeviceTreeError` that says so.
struct FDTBytes {
    let bytes: [UInt8]

    var count: Int { bytes.count }

    /// True when `[offset, offset + length)` lies inside `[0, limit)` and the
    /// blob; written so that no intermediate sum can overflow.
    func contains(offset: Int, length: Int, limit: Int) -> Bool {
        guard offset >= 0, length >= 0, limit >= 0, limit <= bytes.count, offset <= limit else {
            return false
        }
        return length <= limit - offset
    }

    func u32(at offset: Int, limit: Int) -> UInt32? {
        guard contains(offset: offset, length: 4, limit: limit) else { return nil }
        return bigEndian(bytes[offset..<offset + 4])
    }

    func u64(at offset: Int, limit: Int) -> UInt64? {
        guard contains(offset: offset, length: 8, limit: limit) else { return nil }
        return bigEndian(bytes[offset..<offset + 8])
    }

    /// Offset of the first NUL in `[offset, limit)`, the C-string terminator
    /// that node and property names need.
    func indexOfNUL(from offset: Int, limit: Int) -> Int? {
        guard offset >= 0, limit <= bytes.count, offset <= limit else { return nil }
        var index = offset
        while index < limit {
            if bytes[index] == 0 { return index }
            index += 1
        }
        return nil
    }

    /// Decodes `[start, end)` as UTF-8; nil when the bytes are not UTF-8, so
    /// that names survive a parse/serialize round trip byte for byte.
    func utf8String(from start: Int, to end: Int) -> String? {
        guard start >= 0, start <= end, end <= bytes.count else { return nil }
        return String(validating: bytes[start..<end], as: UTF8.self)
    }

    func copy(from start: Int, to end: Int) -> [UInt8] {
        guard start >= 0, start <= end, end <= bytes.count else { return [] }
        return Array(bytes[start..<end])
    }

    /// Up to `maximum` bytes at `offset` as hex, for error messages about
    /// undecodable names.
    func hexPreview(from start: Int, to end: Int, maximum: Int = 16) -> String {
        guard start >= 0, start <= end, end <= bytes.count else { return "" }
        let stop = min(end, start + maximum)
        var text = ""
        for index in start..<stop {
            let digits = String(bytes[index], radix: 16)
            text += (digits.count == 1 ? "0" : "") + digits
        }
        return text + (stop < end ? "…" : "")
    }
}

/// The big-endian number in `bytes` (4 or 8 of them), as the FDT stores every field.
@inline(__always)
func bigEndian<Number: FixedWidthInteger & UnsignedInteger>(_ bytes: ArraySlice<UInt8>) -> Number {
    bytes.reduce(0) { $0 << 8 | Number($1) }
}

/// Adds two non-negative sizes, or returns nil on overflow, so header
/// arithmetic stays exact on any word size.
@inline(__always)
func checkedSum(_ lhs: Int, _ rhs: Int) -> Int? {
    let (sum, overflow) = lhs.addingReportingOverflow(rhs)
    return overflow ? nil : sum
}

/// Rounds up to a multiple of a power-of-two `alignment`; nil on overflow.
@inline(__always)
func alignedUp(_ value: Int, to alignment: Int) -> Int? {
    guard let bumped = checkedSum(value, alignment - 1) else { return nil }
    return bumped & ~(alignment - 1)
}
