import ProtMemDeviceTree
import ProtMemMemory

extension BoardBuild {
    /// Node names of firmware carve-outs that belong to OP-TEE itself: the secure world's
    /// code and data (`optee@…` on MediaTek boards, `optee_core@…` as OP-TEE adds it).
    static let firmwareNodeNames: Set<Substring> = ["optee", "optee_core", "optee-core"]

    /// `/memreserve/` entries, then `/reserved-memory`'s enabled children: those with `reg`
    /// in tree order, then those with only `size`, placed in what is left
    /// (`fdt_scan_reserved_mem`'s order).
    mutating func reservedMemory(dram: [PhysicalRange]) throws(BoardBuildError) -> [ReservedMemoryRegion] {
        var regions: [ReservedMemoryRegion] = []
        for (index, reservation) in tree.memoryReservations.enumerated() where reservation.size > 0 {
            guard let range = PhysicalRange(base: PhysicalAddress(reservation.address), size: reservation.size) else {
                throw BoardBuildError(path: "/", "memory reservation \(index) (\(Self.hex(reservation.address)) + \(Self.hex(reservation.size))) wraps past the end of the address space")
            }
            regions.append(ReservedMemoryRegion(name: "memreserve \(index)", path: "/memreserve/", kind: .reserved, range: range))
        }
        guard let node = tree.root.child(named: "reserved-memory") else { return regions }
        let parent = tree.rootLocation.descending(to: node)
        try checkReservedMemoryNode(parent)
        var sized: [(DeviceTreeLocation, ReservedMemoryRegion.Kind)] = []
        for child in node.children {
            let location = parent.descending(to: child)
            consumed.insert(location.path)
            guard child.isEnabled else {
                unmodelled.append(UnmodelledNode(path: location.path, compatible: child.compatible, reason: "disabled"))
                continue
            }
            let kind = try kind(of: location)
            if let ranges = try physicalRanges(location, "reg") {
                guard let first = ranges.first else {
                    throw BoardBuildError(path: location.path, property: "reg", "has no entry with a non-zero size")
                }
                regions.append(region(location, kind: kind, range: first, additional: Array(ranges.dropFirst()), isDynamic: false))
            } else if child.property(named: "size") != nil {
                sized.append((location, kind))
            } else {
                throw BoardBuildError(path: location.path, "a reserved-memory node needs reg (a fixed region) or size (one placed at boot)")
            }
        }
        for (location, kind) in sized {
            let taken = regions.flatMap { [$0.range] + $0.additionalRanges }
            let range = try place(location, taken: taken, dram: dram)
            regions.append(region(location, kind: kind, range: range, additional: [], isDynamic: true))
        }
        return regions
    }

    private func region(_ location: DeviceTreeLocation, kind: ReservedMemoryRegion.Kind, range: PhysicalRange,
                        additional: [PhysicalRange], isDynamic: Bool) -> ReservedMemoryRegion {
        ReservedMemoryRegion(
            name: location.node.name, path: location.path, kind: kind, range: range, additionalRanges: additional,
            compatible: location.node.compatible, noMap: location.node.property(named: "no-map") != nil,
            reusable: location.node.property(named: "reusable") != nil, isDynamic: isDynamic, phandle: location.node.phandle)
    }

    /// `__reserved_mem_check_root`: the children's cells must be the root's and `ranges` must
    /// be there. Linux would ignore the whole node ("Reserved memory: unsupported node
    /// format, ignoring"), carve-outs and all; the model refuses instead of losing them.
    private func checkReservedMemoryNode(_ location: DeviceTreeLocation) throws(BoardBuildError) {
        let root: DeviceTreeCellSizes
        do {
            root = try tree.rootLocation.childCellSizes()
        } catch {
            throw BoardBuildError(path: "/", property: error.property, "expected \(error.expected), found \(error.found)")
        }
        for (name, expected) in [("#address-cells", root.addressCells), ("#size-cells", root.sizeCells)] {
            let value = location.node.property(named: name).flatMap { try? $0.u32() }
            guard value == UInt32(expected) else {
                throw BoardBuildError(path: location.path, property: name, """
                    must be \(expected), the root's (found \(value.map(String.init) ?? "none")); Linux ignores the whole \
                    node otherwise ("Reserved memory: unsupported node format, ignoring")
                    """)
            }
        }
        guard location.node.property(named: "ranges") != nil else {
            throw BoardBuildError(path: location.path, property: "ranges", """
                missing; Linux ignores the whole node without it ("Reserved memory: unsupported node format, ignoring")
                """)
        }
    }

    /// The region's kind by the rules of the handlers that would claim it (`rmem_cma_setup`,
    /// `rmem_dma_setup`, `rmem_swiotlb_setup`) and ProtMem's own compatibles. Flag combinations
    /// a handler refuses are errors here rather than a silently unclaimed region.
    func kind(of location: DeviceTreeLocation) throws(BoardBuildError) -> ReservedMemoryRegion.Kind {
        let node = location.node
        let compatible = node.compatible
        let has = { (name: String) in node.property(named: name) != nil }
        let noMap = has("no-map"), reusable = has("reusable")
        func protectedKind(_ kind: ReservedMemoryRegion.Kind) throws(BoardBuildError) -> ReservedMemoryRegion.Kind {
            guard noMap else {
                throw BoardBuildError(path: location.path, property: "no-map", "a \(kind.rawValue) region must be no-map: protected memory is never in the kernel's linear map")
            }
            guard !reusable else {
                throw BoardBuildError(path: location.path, property: "reusable", "a \(kind.rawValue) region cannot be reusable: the kernel would lend its pages to movable allocations")
            }
            return kind
        }
        if compatible.contains(ProtMemBinding.protectedCarveout) { return try protectedKind(.protectedCarveout) }
        if compatible.contains(ProtMemBinding.protectedRegion) { return try protectedKind(.protectedRegion) }
        if compatible.contains(ProtMemBinding.mediatekSecureMemory) { return try protectedKind(.mediatekSecureMemory) }
        if compatible.contains(ProtMemBinding.mediatekDynamicRegion) {
            guard reusable != noMap else {
                throw BoardBuildError(path: location.path, property: reusable ? "no-map" : "reusable",
                                      "mediatek,dynamic-restricted-region needs exactly one of reusable (CMA) and no-map (a carve-out)")
            }
            return .mediatekDynamicRegion
        }
        if compatible.contains("restricted-dma-pool") {
            for forbidden in ["reusable", "no-map", "linux,cma-default", "linux,dma-default"] where has(forbidden) {
                throw BoardBuildError(path: location.path, property: forbidden, "not allowed on a restricted-dma-pool (rmem_swiotlb_setup refuses it)")
            }
            return .restrictedDMAPool
        }
        if compatible.contains("shared-dma-pool") {
            if reusable && noMap {
                throw BoardBuildError(path: location.path, property: "no-map", "a shared-dma-pool cannot be both reusable (CMA) and no-map (a carve-out); Linux's handlers refuse both")
            }
            if reusable { return has("linux,cma-default") ? .defaultCMA : .reusable }
            if has("linux,cma-default") {
                throw BoardBuildError(path: location.path, property: "linux,cma-default", "needs reusable: only a CMA area can be the default one")
            }
            return .sharedDMAPool
        }
        if noMap { return Self.firmwareNodeNames.contains(node.baseName) ? .firmware : .noMap }
        return .reserved
    }
}
