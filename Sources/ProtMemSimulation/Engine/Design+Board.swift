import ProtMemBoard
import ProtMemMemory
import ProtMemPanthor

extension Design {
    /// The same board, made to give its GPU protected memory this way: the heap-name,
    /// reserved-region and heap-device designs set what the GPU node would carry; the
    /// userspace design leaves the node alone (no property selects it). Returns the
    /// configuration, the protected heap workloads use, and whether userspace hands buffers in.
    /// `layout` says which region the reserved-region design's GPU points at (a board whose GPU
    /// node already has a `memory-region` keeps it under ``ReservedRegionLayout/perDevice``).
    package func apply(to configuration: BoardConfiguration, layout: ReservedRegionLayout = .perDevice) throws(SimulationError)
        -> (BoardConfiguration, heap: String, userspace: Bool) {
        guard var gpu = configuration.gpu else { throw SimulationError("board \(configuration.name) has no Valhall CSF GPU") }
        var configuration = configuration
        let heap = Self.protectedHeap(of: configuration, current: gpu.design)
        guard let heap else { throw SimulationError("board \(configuration.name) has no protected heap for the \(rawValue) design") }
        switch self {
        case .heapByName:
            if case .heapName = gpu.design {} else { gpu.design = .heapName(heap) }
        case .reservedRegion where layout == .shared:
            // One region for every device: the carve-out the media devices use, through its own allocator.
            guard let carveout = configuration.carveouts.first(where: { $0.heapName == heap }) ?? configuration.carveouts.first else {
                throw SimulationError("board \(configuration.name) has no protected carve-out for every device to point at (reserved regions: shared)")
            }
            let region = "\(carveout.heapName)@\(String(carveout.range.base.rawValue, radix: 16))"
            gpu.design = .heapDevice(HeapDevice(path: "/reserved-memory/\(region)", heapName: carveout.heapName, backing: .carveout(region: region)))
            configuration.gpu = gpu
            return (configuration, carveout.heapName, false)
        case .reservedRegion:
            if case .reservedRegion = gpu.design {} else {
                guard let range = Self.freeRange(in: configuration, size: 64 << 20) else {
                    throw SimulationError("board \(configuration.name) has no 64 MiB of RAM left for the GPU's reserved region")
                }
                configuration.reservedRegions.append(.init(name: "gpu-protected@\(String(range.base.rawValue, radix: 16))", range: range,
                                                           readers: [.gpuProtected, .display], writers: [.gpuProtected]))
                gpu.design = .reservedRegion(name: "gpu-protected@\(String(range.base.rawValue, radix: 16))", range: range)
            }
        case .heapDevice:
            if case .heapDevice = gpu.design {} else {
                let backing: HeapDevice.Backing = configuration.carveouts.first(where: { $0.heapName == heap })
                    .map { .carveout(region: "\($0.heapName)@\(String($0.range.base.rawValue, radix: 16))") } ?? .namedHeap
                gpu.design = .heapDevice(HeapDevice(path: "/protected-heap", heapName: heap, backing: backing))
            }
        case .userspace:
            break
        }
        configuration.gpu = gpu
        return (configuration, heap, self == .userspace)
    }

    /// The heap the GPU's own design names, else the board's first protected heap: a carve-out,
    /// then OP-TEE's, then a hypervisor's.
    static func protectedHeap(of configuration: BoardConfiguration, current: GPUDesign) -> String? {
        switch current {
        case .heapName(let name): return name
        case .heapDevice(let device): return device.heapName
        default: break
        }
        if let carveout = configuration.carveouts.first { return carveout.heapName }
        if configuration.optee != nil { return "protected,secure-video" }
        if let hypervisor = configuration.hypervisor { return hypervisor.heapName }
        return nil
    }

    /// A 64 MiB-aligned range of DRAM no reservation uses, searching down from the top of each
    /// bank below 4 GiB.
    static func freeRange(in configuration: BoardConfiguration, size: UInt64) -> PhysicalRange? {
        let reserved = configuration.reservedRanges
        for bank in configuration.dram.sorted(by: { $0.base < $1.base }) {
            var top = min(bank.end, 1 << 32) & ~(size - 1)
            while top >= bank.base.rawValue + size {
                let candidate = PhysicalRange(base: PhysicalAddress(top - size), size: size)!
                if bank.contains(candidate), !reserved.contains(where: { $0.overlaps(candidate) }) { return candidate }
                top -= size
            }
        }
        return nil
    }
}
