/// `reg` and `ranges` decoding with cell sizes found the way the kernel's
/// `of_n_addr_cells`/`of_n_size_cells` find them: the nearest ancestor that
/// declares the property wins (not only the direct parent), and the root
/// defaults of 2 address cells / 1 size cell apply when none does.
extension DeviceTreeLocation {
    /// Cell sizes this node's own `reg` is written in (searched from the parent up).
    public func regCellSizes() throws(DeviceTreeValueError) -> DeviceTreeCellSizes {
        let chain = ancestors + [node]
        // The root has no parent; the kernel then reads the root's own values.
        let start = ancestors.isEmpty ? chain.count - 1 : chain.count - 2
        return try Self.cellSizes(in: chain, from: start)
    }

    /// Cell sizes this node's children's `reg` (and the child side of its
    /// `ranges`) are written in (searched from this node up).
    public func childCellSizes() throws(DeviceTreeValueError) -> DeviceTreeCellSizes {
        let chain = ancestors + [node]
        return try Self.cellSizes(in: chain, from: chain.count - 1)
    }

    /// The decoded `reg`, or nil when the node has none.
    public func reg() throws(DeviceTreeValueError) -> [DeviceTreeRegion]? {
        guard let property = node.property(named: "reg") else { return nil }
        let sizes = try regCellSizes()
        return try property.reg(addressCells: sizes.addressCells, sizeCells: sizes.sizeCells)
    }

    /// The decoded `ranges`, or nil when the node has none; an empty array
    /// means an identity mapping (`ranges;`).
    public func ranges() throws(DeviceTreeValueError) -> [DeviceTreeRange]? {
        guard let property = node.property(named: "ranges") else { return nil }
        let child = try childCellSizes()
        let parent = try regCellSizes()
        return try property.ranges(
            childAddressCells: child.addressCells, parentAddressCells: parent.addressCells,
            sizeCells: child.sizeCells)
    }

    private static func cellSizes(in chain: [DeviceTreeNode], from start: Int) throws(DeviceTreeValueError) -> DeviceTreeCellSizes {
        DeviceTreeCellSizes(
            addressCells: try count("#address-cells", in: chain, from: start, default: DeviceTreeCellSizes.rootDefault.addressCells),
            sizeCells: try count("#size-cells", in: chain, from: start, default: DeviceTreeCellSizes.rootDefault.sizeCells))
    }

    private static func count(
        _ name: String, in chain: [DeviceTreeNode], from start: Int, default fallback: Int
    ) throws(DeviceTreeValueError) -> Int {
        var index = start
        while index >= 0 && index < chain.count {
            if let property = chain[index].property(named: name) {
                let value = try property.u32()
                guard value <= UInt32(DeviceTreeCellSizes.maximumCells) else {
                    throw DeviceTreeValueError(
                        property: name, expected: "at most \(DeviceTreeCellSizes.maximumCells) cells", found: "\(value)")
                }
                return Int(value)
            }
            index -= 1
        }
        return fallback
    }
}
