/// A multi-cell number from `reg` or `ranges` (an address or a size).
///
/// The cells are kept because some buses put flags in them (PCI's 3-cell
/// addresses); `value` is the plain number when it fits in 64 bits.
public struct DeviceTreeNumber: Sendable, Hashable, CustomStringConvertible {
    /// Big-endian order: most significant cell first.
    public var cells: [UInt32]

    public init(cells: [UInt32]) {
        self.cells = cells
    }

    /// The number, or nil when cells above the low two are non-zero.
    public var value: UInt64? {
        var result: UInt64 = 0
        for (index, cell) in cells.enumerated() {
            if index < cells.count - 2 {
                guard cell == 0 else { return nil }
            } else {
                result = (result << 32) | UInt64(cell)
            }
        }
        return result
    }

    public var description: String {
        if let value { return "0x" + String(value, radix: 16) }
        return "<" + cells.map { "0x" + String($0, radix: 16) }.joined(separator: " ") + ">"
    }
}

/// One `reg` entry: a region of the parent bus's address space.
public struct DeviceTreeRegion: Sendable, Hashable {
    public var address: DeviceTreeNumber
    public var size: DeviceTreeNumber

    public init(address: DeviceTreeNumber, size: DeviceTreeNumber) {
        self.address = address
        self.size = size
    }
}

/// One `ranges` entry: a window translating child-bus addresses to the parent bus.
public struct DeviceTreeRange: Sendable, Hashable {
    public var childAddress: DeviceTreeNumber
    public var parentAddress: DeviceTreeNumber
    public var size: DeviceTreeNumber

    public init(childAddress: DeviceTreeNumber, parentAddress: DeviceTreeNumber, size: DeviceTreeNumber) {
        self.childAddress = childAddress
        self.parentAddress = parentAddress
        self.size = size
    }
}

/// `#address-cells` / `#size-cells` in effect for some bus.
public struct DeviceTreeCellSizes: Sendable, Hashable {
    /// The kernel's `OF_ROOT_NODE_ADDR_CELLS_DEFAULT` / `..._SIZE_CELLS_DEFAULT`,
    /// used when no ancestor declares the property.
    public static let rootDefault = DeviceTreeCellSizes(addressCells: 2, sizeCells: 1)
    /// The kernel's `OF_MAX_ADDR_CELLS`; larger counts are treated as corrupt.
    public static let maximumCells = 4

    public var addressCells: Int
    public var sizeCells: Int

    public init(addressCells: Int, sizeCells: Int) {
        self.addressCells = addressCells
        self.sizeCells = sizeCells
    }
}
