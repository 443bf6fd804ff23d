import ProtMemDeviceTree
import ProtMemMemory

/// Typed property reads that fail with the node and property named.
extension BoardBuild {
    func string(_ location: DeviceTreeLocation, _ name: String) throws(BoardBuildError) -> String? {
        guard let property = location.node.property(named: name) else { return nil }
        do {
            return try property.string()
        } catch {
            throw BoardBuildError(path: location.path, property: name, "expected one string: \(error.expected), found \(error.found)")
        }
    }

    func stringList(_ location: DeviceTreeLocation, _ name: String) throws(BoardBuildError) -> [String]? {
        guard let property = location.node.property(named: name) else { return nil }
        do {
            return try property.stringList()
        } catch {
            throw BoardBuildError(path: location.path, property: name, "expected a string list: \(error.expected), found \(error.found)")
        }
    }

    /// A u64 written as two cells (`/bits/ 64 <n>` or `<hi lo>`), as `of_property_read_u64`.
    func u64(_ location: DeviceTreeLocation, _ name: String) throws(BoardBuildError) -> UInt64? {
        guard let property = location.node.property(named: name) else { return nil }
        do {
            return try property.u64()
        } catch {
            throw BoardBuildError(path: location.path, property: name, "expected \(error.expected), found \(error.found)")
        }
    }

    /// A number of `cells` cells (the root's `#size-cells` for `size`), as `dt_mem_next_cell`.
    func number(_ location: DeviceTreeLocation, _ name: String, cells: Int) throws(BoardBuildError) -> UInt64? {
        guard let property = location.node.property(named: name) else { return nil }
        guard property.value.count == cells * 4, let values = try? property.cells(),
              let value = DeviceTreeNumber(cells: values).value else {
            throw BoardBuildError(path: location.path, property: name,
                                  "expected \(cells * 4) bytes (\(cells) cells, a number of at most 64 bits), found \(property.value.count) bytes")
        }
        return value
    }

    /// The node a one-cell phandle property points at.
    func phandleTarget(_ location: DeviceTreeLocation, _ name: String, index: Int = 0) throws(BoardBuildError) -> DeviceTreeLocation? {
        guard let property = location.node.property(named: name) else { return nil }
        let cells: [UInt32]
        do {
            cells = try property.cells()
        } catch {
            throw BoardBuildError(path: location.path, property: name, "expected phandles: \(error.expected), found \(error.found)")
        }
        guard index < cells.count else {
            throw BoardBuildError(path: location.path, property: name, "has \(cells.count) phandles, entry \(index) wanted")
        }
        let phandle = cells[index]
        guard let target = tree.locate(phandle: phandle) else {
            throw BoardBuildError(path: location.path, property: name, "phandle \(Self.hex(UInt64(phandle))) points to no node")
        }
        return target
    }

    /// `reg`-style (address, size) entries decoded with the node's cell sizes, as physical
    /// ranges. Zero-size entries are dropped, as the kernel skips them.
    func physicalRanges(_ location: DeviceTreeLocation, _ name: String) throws(BoardBuildError) -> [PhysicalRange]? {
        guard let property = location.node.property(named: name) else { return nil }
        let entries: [DeviceTreeRegion]
        do {
            let sizes = try location.regCellSizes()
            entries = try property.reg(addressCells: sizes.addressCells, sizeCells: sizes.sizeCells)
        } catch {
            throw BoardBuildError(path: location.path, property: error.property == name ? name : error.property,
                                  "does not decode: expected \(error.expected), found \(error.found)")
        }
        var ranges: [PhysicalRange] = []
        for (index, entry) in entries.enumerated() {
            guard let base = entry.address.value, let size = entry.size.value else {
                throw BoardBuildError(path: location.path, property: name,
                                      "entry \(index) (\(entry.address), \(entry.size)) does not fit in 64 bits")
            }
            guard let range = PhysicalRange(base: PhysicalAddress(base), size: size) else {
                throw BoardBuildError(path: location.path, property: name,
                                      "entry \(index) (\(Self.hex(base)) + \(Self.hex(size))) wraps past the end of the address space")
            }
            if size > 0 { ranges.append(range) }
        }
        return ranges
    }

    /// Bus-master names (`protmem,readers`) resolved against the board's masters.
    func masters(_ location: DeviceTreeLocation, _ name: String) throws(BoardBuildError) -> [BusMaster]? {
        guard let names = try stringList(location, name) else { return nil }
        var found: [BusMaster] = []
        for masterName in names {
            guard let master = masters.first(where: { $0.name == masterName }) else {
                throw BoardBuildError(path: location.path, property: name,
                                      "no bus master \"\(masterName)\" (the board has \(masters.map(\.name).joined(separator: ", ")))")
            }
            found.append(master)
        }
        return found
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
