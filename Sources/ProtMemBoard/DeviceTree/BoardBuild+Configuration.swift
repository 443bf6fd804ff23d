import ProtMemDeviceTree
import ProtMemHeaps
import ProtMemMemory

extension BoardBuild {
    /// The default CMA area, named as `cma_get_name` names it: the node's full name.
    func defaultCMA(_ regions: [ReservedMemoryRegion]) throws(BoardBuildError) -> BoardConfiguration.CMARegion? {
        regions.first { $0.kind == .defaultCMA }.map { BoardConfiguration.CMARegion(name: $0.name, range: $0.range) }
    }

    /// One carve-out heap per `protmem,protected-carveout` region.
    func carveouts(_ regions: [ReservedMemoryRegion]) throws(BoardBuildError) -> [BoardConfiguration.Carveout] {
        var carveouts: [BoardConfiguration.Carveout] = []
        for region in regions where region.kind == .protectedCarveout {
            guard let location = tree.locate(region.path) else { continue }
            var policy = CarveoutHeap.CPUAccessPolicy.teeHeap
            if let value = try string(location, ProtMemBinding.cpuAccess) {
                guard let parsed = CarveoutHeap.CPUAccessPolicy(rawValue: value) else {
                    throw BoardBuildError(path: region.path, property: ProtMemBinding.cpuAccess,
                                          "\"\(value)\" is neither \"tee-heap\" nor \"restricted-heap\"")
                }
                policy = parsed
            }
            var allocator = PoolAllocatorKind.firstFit
            if let value = try string(location, ProtMemBinding.allocator) {
                guard let parsed = PoolAllocatorKind(rawValue: value) else {
                    throw BoardBuildError(path: region.path, property: ProtMemBinding.allocator,
                                          "\"\(value)\" is not an allocator; expected one of \(PoolAllocatorKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
                }
                allocator = parsed
            }
            carveouts.append(BoardConfiguration.Carveout(
                heapName: try carveoutHeapName(location),
                range: region.range,
                readers: try masters(location, ProtMemBinding.readers) ?? [],
                writers: try masters(location, ProtMemBinding.writers) ?? [],
                cpuAccessPolicy: policy,
                allocator: allocator))
        }
        return carveouts
    }

    /// `protmem,heap-name`, else the node's full name (as CMA names its heap).
    func carveoutHeapName(_ location: DeviceTreeLocation) throws(BoardBuildError) -> String {
        let name = try string(location, ProtMemBinding.heapName) ?? location.node.name
        guard !name.isEmpty, !name.contains("/") else {
            throw BoardBuildError(path: location.path, property: ProtMemBinding.heapName, "\"\(name)\" cannot name a /dev/dma_heap node")
        }
        return name
    }

    /// Reserved memory that backs no heap: OP-TEE's firmware and `protmem,protected-region`s
    /// exactly and firewalled; everything else in DRAM as the whole pages it touches, merged,
    /// so the page allocator never hands them out.
    func reservedRegions(_ regions: [ReservedMemoryRegion]) throws(BoardBuildError) -> [BoardConfiguration.ReservedRegion] {
        var protected: [BoardConfiguration.ReservedRegion] = []
        var owned: [PhysicalRange] = []
        var plain: [(name: String, range: PhysicalRange)] = []
        for region in regions where region.isInDRAM {
            switch region.kind {
            case .firmware:
                protected.append(.init(name: region.name, range: region.range, protection: .init(
                    readers: [], writers: [], reason: "firmware carve-out: the secure world's own memory")))
            case .protectedRegion:
                guard let location = tree.locate(region.path) else { continue }
                protected.append(.init(name: region.name, range: region.range, protection: .init(
                    readers: try masters(location, ProtMemBinding.readers) ?? [],
                    writers: try masters(location, ProtMemBinding.writers) ?? [],
                    reason: "protected region for the devices that point at it")))
            case .defaultCMA, .protectedCarveout, .opteeStaticPool, .mediatekSecureMemory, .mediatekDynamicRegion:
                owned.append(region.range)
            case .reusable, .sharedDMAPool, .restrictedDMAPool, .noMap, .reserved:
                plain.append((region.name, Self.pageRounded(region.range)))
            }
            for range in region.additionalRanges { plain.append((region.name, Self.pageRounded(range))) }
        }
        let taken = owned + protected.map(\.range)
        let pieces = Board.subtract(taken, from: Self.merge(plain.map(\.range)))
        let others = pieces.map { piece in
            let names = plain.filter { $0.range.overlaps(piece) }.map(\.name)
            return BoardConfiguration.ReservedRegion(name: names.joined(separator: ", "), range: piece)
        }
        return (protected + others).sorted { $0.range.base < $1.range.base }
    }
}
