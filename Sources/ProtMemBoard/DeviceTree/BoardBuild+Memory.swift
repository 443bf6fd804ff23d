import ProtMemDeviceTree
import ProtMemMemory

extension BoardBuild {
    /// `early_init_dt_scan_memory`: the root's enabled children with `device_type = "memory"`,
    /// `linux,usable-memory` in preference to `reg` (a crash kernel's view), each entry trimmed
    /// to whole pages as `early_init_dt_add_memory_arch` trims it.
    ///
    /// An entry reaching past arm64's widest physical address space (52 bits) is refused, with
    /// its node and property: `arm64_memblock_init` would silently remove what lies above
    /// `1 << PHYS_MASK_SHIFT`, losing memory the tree describes, and no arm64 system decodes
    /// it. So is DRAM past the model's 1 TiB (``PhysicalMemory/maximumSize``), naming the entry
    /// that takes the total over.
    func memoryBanks() throws(BoardBuildError) -> [MemoryBank] {
        var banks: [MemoryBank] = []
        /// Where each bank came from, for an error about the total.
        var sources: [(property: String, entry: Int, range: PhysicalRange)] = []
        for child in tree.root.children {
            guard (try? child.property(named: "device_type")?.string()) == "memory", child.isEnabled else { continue }
            let location = tree.rootLocation.descending(to: child)
            let property = child.property(named: "linux,usable-memory") != nil ? "linux,usable-memory" : "reg"
            guard let ranges = try physicalRanges(location, property) else { continue }
            for (index, range) in ranges.enumerated() {
                guard range.end <= PhysicalMemory.physicalAddressLimit else {
                    throw BoardBuildError(path: location.path, property: property,
                                          "entry \(index) \(range) \(PhysicalMemory.physicalAddressWidthLimitText)")
                }
                guard let trimmed = Self.pageTrimmed(range) else { continue }
                banks.append(MemoryBank(path: location.path, range: trimmed))
                sources.append((property, index, range))
            }
        }
        func total(_ count: Int) -> UInt64 { Self.merge(banks[..<count].map(\.range)).reduce(0) { $0 + $1.size } }
        if total(banks.count) > PhysicalMemory.maximumSize {
            // The first bank that takes the total over, found by halving (banks may overlap,
            // so only a merged total counts).
            var low = 1, high = banks.count
            while low < high {
                let middle = (low + high) / 2
                if total(middle) > PhysicalMemory.maximumSize { high = middle } else { low = middle + 1 }
            }
            let source = sources[low - 1]
            throw BoardBuildError(path: banks[low - 1].path, property: source.property,
                                  "entry \(source.entry) \(source.range) brings DRAM to \(total(low)) bytes, which \(PhysicalMemory.maximumSizeText)")
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
