/// A property exactly as the blob stores it: a name and uninterpreted bytes.
///
/// The format carries no type information, so the raw bytes are the only
/// lossless representation; typed views live in the readers extension and
/// fail loudly instead of guessing.
public struct DeviceTreeProperty: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8] = []) {
        self.name = name
        self.value = value
    }

    /// A property whose only meaning is its presence (`dma-coherent;`).
    public var isEmpty: Bool { value.isEmpty }
}

extension DeviceTreeProperty {
    /// Builds a property from 32-bit cells, stored big-endian as on disk.
    public init(name: String, cells: [UInt32]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(cells.count * 4)
        for cell in cells {
            bytes.append(UInt8(truncatingIfNeeded: cell >> 24))
            bytes.append(UInt8(truncatingIfNeeded: cell >> 16))
            bytes.append(UInt8(truncatingIfNeeded: cell >> 8))
            bytes.append(UInt8(truncatingIfNeeded: cell))
        }
        self.init(name: name, value: bytes)
    }

    /// Builds a string-list property (`compatible`), each string NUL-terminated.
    public init(name: String, strings: [String]) {
        var bytes: [UInt8] = []
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            bytes.append(0)
        }
        self.init(name: name, value: bytes)
    }

    /// Builds a single-string property (`status = "okay"`).
    public init(name: String, string: String) {
        self.init(name: name, strings: [string])
    }
}
