import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTEE
import Synchronization

/// Why a configuration could not become a board. Nothing of a failed board survives.
public struct BoardError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A built board: its memory and bus, its secure world, and the kernel-side objects (page
/// allocator, dma-buf list, heaps) as Linux would have them after boot.
///
/// Boot order follows a real system: the secure world starts first and puts the firewall
/// around every carve-out, then the kernel takes the remaining RAM for its page allocator and
/// registers the heaps.
public final class Board: Sendable {
    public let name: String
    public let memory: PhysicalMemory
    public let bus: Bus
    public let secureMonitor: SecureMonitor
    public let pageAllocator: PageAllocator
    public let dmaBufs: DMABufList
    public let heaps: DMAHeapRegistry
    public let masters: [BusMaster]
    public let carveoutHeaps: [CarveoutHeap]
    /// OP-TEE in the secure world and its driver in the normal world, when the board has one.
    public let trustedOS: OPTEEOS?
    public let teeDriver: OPTEEDriver?
    public let teeHeaps: [TEEHeap]
    public let mediatekHeaps: [MediaTekRestrictedHeap]
    public let ffaDriver: FFADriver?
    public let ffaHeaps: [FFALendHeap]
    /// Protected `no-map` regions no heap owns, firewalled at boot.
    public let reservedRegions: [BoardConfiguration.ReservedRegion]
    /// The secure world's scrub service (an SMC), for normal-world code that manages protected
    /// memory it cannot write itself.
    public let scrubber: any ProtectedMemoryScrubber
    /// The Valhall CSF GPU the configuration describes, and how it finds protected memory.
    public let gpu: GPUConfiguration?

    /// Heaps built but not yet in ``heaps``, in registration order.
    let pendingHeaps: Mutex<[HeapRegistration]>

    /// Builds the board. With `registeringHeaps` (the default) every heap is registered at
    /// once, as after a boot; without it, the heaps wait for ``registerHeaps(of:)``, so a
    /// caller can bring their drivers up in a kernel's order around other devices' probes.
    public init(_ configuration: BoardConfiguration, registeringHeaps: Bool = true) throws(BoardError) {
        let memory: PhysicalMemory
        do {
            memory = try PhysicalMemory(ranges: configuration.dram)
        } catch {
            throw BoardError("board \(configuration.name): \(error)")
        }
        if configuration.mediatek != nil && configuration.optee == nil {
            throw BoardError("board \(configuration.name): MediaTek's restricted heaps need OP-TEE, and the board has none")
        }
        let reserved = configuration.reservedRanges
        for (i, range) in reserved.enumerated() {
            guard range.isPageAligned, !range.isEmpty else { throw BoardError("board \(configuration.name): reserved region \(range) is not a whole number of 4 KiB pages") }
            guard memory.contains(range) else { throw BoardError("board \(configuration.name): reserved region \(range) lies outside DRAM") }
            if let other = reserved[..<i].first(where: { $0.overlaps(range) }) {
                throw BoardError("board \(configuration.name): reserved regions \(other) and \(range) overlap")
            }
        }
        let bus = Bus(memory: memory)
        let monitor = SecureMonitor(bus: bus, firewallRegions: configuration.firewallRegions)
        for carveout in configuration.carveouts {
            do {
                try monitor.protect(carveout.range, readers: carveout.readers, writers: carveout.writers,
                                    owner: carveout.heapName, reason: "protected carve-out, firewalled at boot", allocator: .normalWorld)
            } catch {
                throw BoardError("board \(configuration.name): cannot protect carve-out \(carveout.heapName): \(error)")
            }
        }
        try Self.protectReservedRegions(of: configuration, monitor: monitor)
        var trustedOS: OPTEEOS?
        if let optee = configuration.optee {
            do {
                let os = try OPTEEOS(monitor: monitor, configuration: optee)
                monitor.attach(os)
                trustedOS = os
                if let mediatek = configuration.mediatek {
                    os.install(try MediaTekSecureMemoryTA(carveout: mediatek.carveout, grant: mediatek.grant, monitor: monitor))
                }
            } catch {
                throw BoardError("board \(configuration.name): the secure world cannot protect its memory: \(error)")
            }
        }
        if let hypervisor = configuration.hypervisor {
            monitor.attach(Hypervisor(bus: bus, receivers: hypervisor.receivers, lendModel: hypervisor.lendModel))
        }
        let pages = PageAllocator(bus: bus, managing: Self.subtract(reserved, from: memory.banks.map(\.range)))
        let dmaBufs = DMABufList(bus: bus)
        let heaps = DMAHeapRegistry(bufferList: dmaBufs)
        let scrubber = SiPScrubber(conduit: monitor)
        var contiguous: ContiguousAllocator?
        if let cma = configuration.cma {
            guard let area = CMAArea(name: cma.name, range: cma.range) else { throw BoardError("board \(configuration.name): CMA region \(cma.range) is unusable") }
            contiguous = ContiguousAllocator(area: area)
        }
        var carveoutHeaps: [CarveoutHeap] = []
        for carveout in configuration.carveouts {
            do {
                carveoutHeaps.append(try CarveoutHeap(name: carveout.heapName, region: carveout.range, bus: bus, scrubber: scrubber, policy: carveout.cpuAccessPolicy,
                                                       allocator: carveout.allocator))
            } catch {
                throw BoardError("board \(configuration.name): \(error)")
            }
        }
        var teeDriver: OPTEEDriver?
        var teeHeaps: [TEEHeap] = []
        var mediatekHeaps: [MediaTekRestrictedHeap] = []
        var ffaDriver: FFADriver?
        var ffaHeaps: [FFALendHeap] = []
        var registrations: [HeapRegistration] = [HeapRegistration(provider: .dmaBufHeaps, name: "system", ops: SystemHeap(pages: pages))]
        do throws(Errno) {
            if let contiguous {
                registrations.append(HeapRegistration(provider: .dmaBufHeaps, name: contiguous.name, ops: CMAHeap(area: contiguous, bus: bus)))
            }
            for heap in carveoutHeaps {
                registrations.append(HeapRegistration(provider: .dmaBufHeaps, name: heap.name, ops: heap))
            }
            if trustedOS != nil {
                let driver = try OPTEEDriver(conduit: monitor, bus: bus, pages: pages)
                teeDriver = driver
                if let heap = Self.probeProtectedMemory(driver, memory: memory, contiguous: contiguous, scrubber: scrubber) {
                    registrations.append(HeapRegistration(provider: .optee, name: heap.useCase.heapName!, ops: heap))
                    teeHeaps.append(heap)
                }
                if let mediatek = configuration.mediatek {
                    if let carveout = mediatek.carveout {
                        let heap = try MediaTekRestrictedHeap(kind: .carveout, driver: driver, carveoutSize: carveout.size)
                        registrations.append(HeapRegistration(provider: .optee, name: heap.name, ops: heap))
                        mediatekHeaps.append(heap)
                    }
                    if let region = mediatek.dynamicRegion {
                        guard let area = CMAArea(name: "mediatek,dynamic-restricted-region", range: region) else { throw .invalidArgument }
                        let heap = try MediaTekRestrictedHeap(kind: .cma(ContiguousAllocator(area: area)), driver: driver)
                        registrations.append(HeapRegistration(provider: .optee, name: heap.name, ops: heap))
                        mediatekHeaps.append(heap)
                    }
                }
            }
            if let hypervisor = configuration.hypervisor {
                let driver = try FFADriver(conduit: monitor, bus: bus, pages: pages)
                ffaDriver = driver
                let heap = FFALendHeap(driver: driver, pages: pages, receiver: hypervisor.heapReceiver)
                registrations.append(HeapRegistration(provider: .armFFA, name: hypervisor.heapName, ops: heap))
                ffaHeaps.append(heap)
            }
        } catch {
            throw BoardError("board \(configuration.name): cannot register heaps: \(error)")
        }
        self.name = configuration.name
        self.gpu = configuration.gpu
        self.memory = memory
        self.bus = bus
        self.secureMonitor = monitor
        self.pageAllocator = pages
        self.dmaBufs = dmaBufs
        self.heaps = heaps
        self.masters = configuration.masters
        self.carveoutHeaps = carveoutHeaps
        self.trustedOS = trustedOS
        self.teeDriver = teeDriver
        self.teeHeaps = teeHeaps
        self.mediatekHeaps = mediatekHeaps
        self.ffaDriver = ffaDriver
        self.ffaHeaps = ffaHeaps
        self.reservedRegions = configuration.reservedRegions
        self.scrubber = scrubber
        self.pendingHeaps = Mutex(registrations)
        if registeringHeaps { try registerHeaps(where: { _ in true }) }
    }

    /// `optee_protmem_pool_init` (SMC ABI): a static pool when OP-TEE has one, else a dynamic
    /// pool when it lends; only the secure-video heap is registered, as in mainline. A pool
    /// that cannot be set up leaves the board without the heap ("Protected memory service not
    /// available"), not without a TEE.
    static func probeProtectedMemory(_ driver: OPTEEDriver, memory: PhysicalMemory, contiguous: ContiguousAllocator?, scrubber: SiPScrubber) -> TEEHeap? {
        var pool: (any TEEProtectedMemoryPool)?
        if driver.capabilities.contains(.protectedMemory), let config = driver.staticProtectedMemoryConfig() {
            pool = try? TEEStaticPool(range: config.range, memory: memory, scrubber: scrubber)
        }
        if pool == nil, driver.capabilities.contains(.dynamicProtectedMemory), let contiguous {
            pool = try? TEEDynamicPool(driver: driver, useCase: .secureVideoPlay, source: contiguous, scrubber: scrubber)
        }
        return pool.map { TEEHeap(useCase: .secureVideoPlay, pool: $0, device: driver) }
    }

    /// The built-in default board (see ``BoardConfiguration/builtinDefault``).
    public static func builtinDefault() throws(BoardError) -> Board {
        try Board(.builtinDefault)
    }

    /// `ranges` minus `holes`, page-aligned pieces in address order.
    static func subtract(_ holes: [PhysicalRange], from ranges: [PhysicalRange]) -> [PhysicalRange] {
        var pieces = ranges
        for hole in holes {
            pieces = pieces.flatMap { piece -> [PhysicalRange] in
                guard piece.overlaps(hole) else { return [piece] }
                var out: [PhysicalRange] = []
                if piece.base < hole.base, let left = PhysicalRange(base: piece.base, size: hole.base.rawValue - piece.base.rawValue) { out.append(left) }
                if hole.end < piece.end, let right = PhysicalRange(base: PhysicalAddress(hole.end), size: piece.end - hole.end) { out.append(right) }
                return out
            }
        }
        return pieces.sorted { $0.base < $1.base }
    }
}

extension Board {
    /// The bus master a device on this board uses, by name.
    public func master(named name: String) -> BusMaster? {
        masters.first { $0.name == name }
    }

    /// Checks every invariant the board's parts keep; traps with the broken one.
    public func _checkInvariants() {
        pageAllocator._checkInvariants()
        secureMonitor.firewall._checkInvariants()
        for heap in carveoutHeaps { heap._checkInvariants() }
        secureMonitor.hypervisor?._checkInvariants()
        let listed = dmaBufs.buffers
        precondition(listed.allSatisfy { !$0.isReleased }, "a released dma-buf is still listed")
        precondition(listed.reduce(0) { $0 + $1.size } == dmaBufs.totalBytes, "dma-buf byte total out of step with the list")
    }
}
