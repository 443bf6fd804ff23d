/// Little-endian field access for the structs that cross an ABI as bytes: ioctl arguments,
/// OP-TEE message arguments, FF-A descriptors. Arm64 and x86-64 are both little-endian, and
/// the model's byte layouts are the kernel's on either. Callers check lengths first; these
/// trap on an out-of-range offset as an array subscript does. Inlinable, so each use is
/// specialised for its integer type rather than going through generic witnesses per byte.
extension Array where Element == UInt8 {
    @inlinable public func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            value |= T(truncatingIfNeeded: self[offset + index]) << (8 * index)
        }
        return value
    }

    @inlinable public mutating func setLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<MemoryLayout<T>.size {
            self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
        }
    }

    @inlinable public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for index in 0..<MemoryLayout<T>.size {
            append(UInt8(truncatingIfNeeded: value >> (8 * index)))
        }
    }

    @inlinable public static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(value)
        return bytes
    }
}
