/// `reg` and `ranges` decoding for callers that already know the cell sizes.
extension DeviceTreeProperty {
    /// Splits the value into `(address, size)` entries of the given widths.
    public func reg(addressCells: Int, sizeCells: Int) throws(DeviceTreeValueError) -> [DeviceTreeRegion] {
        let rows = try rows(widths: [addressCells, sizeCells])
        return rows.map { DeviceTreeRegion(address: $0[0], size: $0[1]) }
    }

    /// Splits the value into `(child address, parent address, size)` entries.
    /// An empty value (identity mapping) yields no entries.
    public func ranges(
        childAddressCells: Int, parentAddressCells: Int, sizeCells: Int
    ) throws(DeviceTreeValueError) -> [DeviceTreeRange] {
        let rows = try rows(widths: [childAddressCells, parentAddressCells, sizeCells])
        return rows.map { DeviceTreeRange(childAddress: $0[0], parentAddress: $0[1], size: $0[2]) }
    }

    private func rows(widths: [Int]) throws(DeviceTreeValueError) -> [[DeviceTreeNumber]] {
        for width in widths where width < 0 || width > DeviceTreeCellSizes.maximumCells {
            throw DeviceTreeValueError(
                property: name, expected: "cell counts in 0...\(DeviceTreeCellSizes.maximumCells)", found: "\(width)")
        }
        let cells = try self.cells()
        let rowCells = widths.reduce(0, +)
        guard rowCells > 0 else {
            guard cells.isEmpty else {
                throw DeviceTreeValueError(
                    property: name, expected: "no data when every cell count is 0", found: "\(value.count) bytes")
            }
            return []
        }
        guard cells.count % rowCells == 0 else {
            throw DeviceTreeValueError(
                property: name,
                expected: "a multiple of \(rowCells * 4) bytes (cells \(widths.map(String.init).joined(separator: "+")))",
                found: "\(value.count) bytes")
        }
        var rows: [[DeviceTreeNumber]] = []
        rows.reserveCapacity(cells.count / rowCells)
        var index = 0
        while index < cells.count {
            var row: [DeviceTreeNumber] = []
            for width in widths {
                row.append(DeviceTreeNumber(cells: Array(cells[index..<(index + width)])))
                index += width
            }
            rows.append(row)
        }
        return rows
    }
}
