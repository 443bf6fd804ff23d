import ProtMemDeviceTree
import ProtMemMemory

extension BoardBuild {
    /// `early_init_dt_scan_memory`: the root's enabled children with `device_type = "memory"`,
    /// `linux,usable-memory` in preference to `reg` (a crash kernel's view), each entry trimmed
    /// to whole pages as `early_init_dt_add_memory_arch` trims it.
    func memoryBanks() throws(BoardBuildError) -> [MemoryBank] {
        var banks: [MemoryBank] = []
        for child in tree.root.children {
            guard (try? child.property(named: "device_type")?.string()) == "memory", child.isEnabled else { continue }
            let location = tree.rootLocation.descending(to: child)
            let property = child.property(named: "linux,usable-memory") != nil ? "linux,usable-memory" : "reg"
            guard let ranges = try physicalRanges(location, property) else { continue }
            for range in ranges {
                if let trimmed = Self.pageTrimmed(range) {
                    banks.append(MemoryBank(path: location.path, range: trimmed))
                }
            }
        }
        return banks
    }

    /// The whole pages inside `range`; `nil` when there are none ("Ignoring memory block").
    static func pageTrimmed(_ range: PhysicalRange) -> PhysicalRange? {
        guard let base = pageAlignUp(range.base.rawValue), base < range.end else { return nil }
        let end = range.end & ~(pageSize - 1)
        guard end > base else { return nil }
        return PhysicalRange(base: PhysicalAddress(base), size: end - base)
    }

    /// The whole pages that touch `range`: what the page allocator loses to a reservation.
    static func pageRounded(_ range: PhysicalRange) -> PhysicalRange {
        let base = range.base.rawValue & ~(pageSize - 1)
        let end = pageAlignUp(range.end) ?? (UInt64.max & ~(pageSize - 1))
        return PhysicalRange(base: PhysicalAddress(base), size: end - base) ?? range
    }
}
