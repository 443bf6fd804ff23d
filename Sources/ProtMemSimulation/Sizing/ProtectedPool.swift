import ProtMemBoard
import ProtMemMemory

/// One piece of protected memory a board sets aside (or lends on demand): a carve-out heap,
/// OP-TEE's static or dynamic pool, the GPU's own `memory-region`, a hypervisor's lend heap.
/// Named as the kernel names it: the heap's name, or the region's node name.
public struct ProtectedPool: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        case carveout
        case opteeStaticPool = "optee-static-pool"
        case opteeDynamicPool = "optee-dynamic-pool"
        case gpuMemoryRegion = "gpu-memory-region"
        case hypervisorLend = "hypervisor-lend"
        case mediatekRestricted = "mediatek-restricted"
    }

    public var name: String
    public var kind: Kind
    /// Bytes the board keeps from the page allocator for it at boot: 0 for memory lent on
    /// demand (OP-TEE's dynamic pool takes CMA only while a buffer lives; the lend heap takes
    /// system RAM page by page).
    public var reservedBytes: UInt64
    /// Why its size cannot be searched on this board; `nil` when ``BoardConfiguration/resizingProtectedPools(_:)``
    /// can set it.
    public var fixedBecause: String?

    public var isResizable: Bool { fixedBecause == nil }
}

extension BoardConfiguration {
    /// The protected memory this board sets aside or lends, in a fixed order: carve-outs, the
    /// GPU's own region, OP-TEE's pool, MediaTek's regions, the hypervisor's lend heap.
    public var protectedPools: [ProtectedPool] {
        var pools = carveouts.map { ProtectedPool(name: $0.heapName, kind: .carveout, reservedBytes: $0.range.size) }
        if let region = gpuOwnRegion {
            pools.append(ProtectedPool(name: region.name, kind: .gpuMemoryRegion, reservedBytes: region.range.size))
        }
        if let optee {
            let heap = "protected,secure-video"
            if let pool = optee.staticPool {
                pools.append(ProtectedPool(name: heap, kind: .opteeStaticPool, reservedBytes: pool.range.size))
            } else if let pool = optee.dynamicPool {
                pools.append(ProtectedPool(name: heap, kind: .opteeDynamicPool, reservedBytes: 0, fixedBecause:
                    "OP-TEE's dynamic pool reserves nothing while idle: LEND_PROTMEM lends CMA (\(pool.minimumSize >> 20) MiB at least) on first use and it is reclaimed when the last buffer goes, so there is no pool size to set"))
            }
        }
        if let mediatek {
            for (name, range) in [("restricted_mtk_cm", mediatek.carveout), ("restricted_mtk_cma", mediatek.dynamicRegion)] {
                guard let range else { continue }
                pools.append(ProtectedPool(name: name, kind: .mediatekRestricted, reservedBytes: range.size, fixedBecause:
                    "MediaTek's secure-memory TA manages its regions itself; the model does not resize them"))
            }
        }
        if let hypervisor {
            pools.append(ProtectedPool(name: hypervisor.heapName, kind: .hypervisorLend, reservedBytes: 0, fixedBecause:
                "the lend heap sets nothing aside: it lends system RAM page by page with FFA_MEM_LEND, so there is no pool size to set"))
        }
        return pools
    }

    /// The GPU's `memory-region` when it is a region of its own (not a carve-out's).
    var gpuOwnRegion: (name: String, range: PhysicalRange)? {
        guard case .reservedRegion(let name, let range) = gpu?.design, !carveouts.contains(where: { $0.range == range }) else { return nil }
        return (name, range)
    }

    /// This board with the named pools set aside at `sizes` bytes instead (each from the same
    /// base address, so the rest of the map stays put). A size must be a non-zero whole
    /// number of 4 KiB pages no larger than the board's own; a name must be a resizable pool's.
    /// Throws naming the pool and the size, and changes nothing, otherwise.
    public func resizingProtectedPools(_ sizes: [String: UInt64]) throws(SimulationError) -> BoardConfiguration {
        var configuration = self
        let pools = protectedPools
        for (name, size) in sizes.sorted(by: { $0.key < $1.key }) {
            guard let pool = pools.first(where: { $0.name == name }) else {
                throw SimulationError("board \(self.name) has no protected pool \"\(name)\"; its pools are \(pools.map { "\"\($0.name)\"" }.joined(separator: ", "))")
            }
            if let why = pool.fixedBecause { throw SimulationError("protected pool \"\(name)\" on board \(self.name) cannot be resized: \(why)") }
            guard size > 0, size & (pageSize - 1) == 0, size <= pool.reservedBytes else {
                throw SimulationError("protected pool \"\(name)\" on board \(self.name): \(size) bytes is not a non-zero whole number of 4 KiB pages up to its \(pool.reservedBytes)")
            }
            func shrunk(_ range: PhysicalRange) -> PhysicalRange { PhysicalRange(base: range.base, size: size)! }
            switch pool.kind {
            case .carveout:
                let index = configuration.carveouts.firstIndex { $0.heapName == name }!
                configuration.carveouts[index].range = shrunk(configuration.carveouts[index].range)
            case .gpuMemoryRegion:
                let region = configuration.gpuOwnRegion!
                configuration.gpu?.design = .reservedRegion(name: region.name, range: shrunk(region.range))
                for index in configuration.reservedRegions.indices where configuration.reservedRegions[index].range == region.range {
                    configuration.reservedRegions[index].range = shrunk(region.range)
                }
            case .opteeStaticPool:
                let range = configuration.optee!.staticPool!.range
                configuration.optee?.staticPool?.range = shrunk(range)
            case .opteeDynamicPool, .hypervisorLend, .mediatekRestricted:
                break
            }
        }
        return configuration
    }
}
