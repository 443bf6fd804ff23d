import ProtMemDeviceTree
import ProtMemMemory

extension BoardBuild {
    /// `__reserved_mem_alloc_size`: places a `size`-only region top-down in the free DRAM of
    /// the first `alloc-ranges` window that has room (anywhere without them), at `alignment`
    /// (64 bytes by default; at least the CMA alignment for a reusable shared-dma-pool), as
    /// `memblock_phys_alloc_range` does on arm64.
    func place(_ location: DeviceTreeLocation, taken: [PhysicalRange], dram: [PhysicalRange]) throws(BoardBuildError) -> PhysicalRange {
        let cells: DeviceTreeCellSizes
        do {
            cells = try location.regCellSizes()
        } catch {
            throw BoardBuildError(path: location.path, property: error.property, "expected \(error.expected), found \(error.found)")
        }
        guard let size = try number(location, "size", cells: cells.sizeCells), size > 0 else {
            throw BoardBuildError(path: location.path, property: "size", "is 0")
        }
        var alignment = try number(location, "alignment", cells: cells.addressCells) ?? 0
        guard alignment == 0 || alignment.nonzeroBitCount == 1 else {
            throw BoardBuildError(path: location.path, property: "alignment", "\(Self.hex(alignment)) is not a power of two")
        }
        let node = location.node
        if node.isCompatible(with: "shared-dma-pool") && node.property(named: "reusable") != nil && node.property(named: "no-map") == nil {
            alignment = max(alignment, BoardBuilder.cmaAlignment)
        }
        if alignment == 0 { alignment = BoardBuilder.defaultPlacementAlignment }

        var windows: [(start: UInt64, end: UInt64)] = [(0, UInt64.max)]
        if let ranges = try physicalRanges(location, "alloc-ranges") {
            windows = ranges.map { ($0.base.rawValue, $0.end) }
        }
        let free = Board.subtract(taken, from: dram)
        for window in windows {
            // memblock never hands out the first page.
            let start = max(window.start, pageSize)
            for piece in free.reversed() {
                let low = max(piece.base.rawValue, start), high = min(piece.end, window.end)
                guard high > low, high - low >= size else { continue }
                let candidate = (high - size) & ~(alignment - 1)
                if candidate >= low { return PhysicalRange(base: PhysicalAddress(candidate), size: size)! }
            }
        }
        let within = location.node.property(named: "alloc-ranges") == nil ? "DRAM"
            : "alloc-ranges " + windows.map { "[\(Self.hex($0.start))–\(Self.hex($0.end)))" }.joined(separator: ", ")
        throw BoardBuildError(path: location.path, property: "size",
                              "no free \(Self.hex(size)) bytes aligned to \(Self.hex(alignment)) in \(within) (\"failed to allocate memory for node\")")
    }

    /// Every region against DRAM and against each other: a region with a role must lie in
    /// DRAM in whole pages, no region may straddle DRAM's edge, none may overlap another
    /// (Linux only logs "OVERLAP DETECTED!"; two owners of one page is a bug the model refuses).
    func checkPlacement(of regions: inout [ReservedMemoryRegion], in dram: [PhysicalRange]) throws(BoardBuildError) {
        var defaultCMA: ReservedMemoryRegion?
        for index in regions.indices {
            let region = regions[index]
            let property = region.isDynamic ? "size" : "reg"
            var inside = true
            for range in [region.range] + region.additionalRanges {
                let overlapping = dram.filter { $0.overlaps(range) }
                if overlapping.isEmpty {
                    inside = false
                } else if !overlapping.contains(where: { $0.contains(range) }) {
                    throw BoardBuildError(path: region.path, property: property, "\(range) straddles the edge of DRAM (\(Self.describe(dram)))")
                }
            }
            regions[index].isInDRAM = inside
            if region.kind.hasRole {
                guard inside else {
                    throw BoardBuildError(path: region.path, property: property,
                                          "\(region.range) lies outside DRAM (\(Self.describe(dram))), and a \(region.kind.rawValue) region must be RAM")
                }
            }
            if region.kind.hasRole || (region.kind == .firmware && inside) {
                guard region.range.isPageAligned else {
                    throw BoardBuildError(path: region.path, property: property,
                                          "\(region.range) is not whole 4 KiB pages, which a \(region.kind.rawValue) region must be")
                }
            }
            if region.kind == .defaultCMA || region.kind == .reusable {
                guard (region.range.base.rawValue | region.range.size) & (BoardBuilder.cmaAlignment - 1) == 0 else {
                    throw BoardBuildError(path: region.path, property: property,
                                          "\(region.range) is not aligned to \(BoardBuilder.cmaAlignment >> 20) MiB (\"Reserved memory: incorrect alignment of CMA region\")")
                }
            }
            if region.kind == .defaultCMA {
                if let first = defaultCMA {
                    throw BoardBuildError(path: region.path, property: "linux,cma-default", "a second default CMA area (the first is \(first.path))")
                }
                defaultCMA = region
            }
        }
        let spans = regions.flatMap { region in ([region.range] + region.additionalRanges).map { (range: $0, region: region) } }
            .sorted { $0.range.base < $1.range.base }
        var reach: (range: PhysicalRange, region: ReservedMemoryRegion)?
        for span in spans {
            if let previous = reach, span.range.base.rawValue < previous.range.end {
                throw BoardBuildError(path: span.region.path, property: span.region.isDynamic ? "size" : "reg",
                                      "\(span.range) overlaps \(previous.region.path == "/memreserve/" ? previous.region.name : previous.region.path) \(previous.range)")
            }
            if reach == nil || span.range.end > reach!.range.end { reach = span }
        }
    }

    static func describe(_ ranges: [PhysicalRange]) -> String {
        ranges.map(\.description).joined(separator: ", ")
    }
}
