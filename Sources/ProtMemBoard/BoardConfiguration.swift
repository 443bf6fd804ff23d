import ProtMemHeaps
import ProtMemMemory
import ProtMemSecureWorld

/// What a board is made of, before it is built: the layout a device tree describes.
public struct BoardConfiguration: Sendable {
    /// A protected carve-out: a reserved `no-map` region behind a firewall region.
    public struct Carveout: Sendable {
        public var heapName: String
        public var range: PhysicalRange
        /// Masters besides the secure CPU that may read and write protected content.
        public var readers: [BusMaster]
        public var writers: [BusMaster]
        public var cpuAccessPolicy: CarveoutHeap.CPUAccessPolicy

        public init(heapName: String, range: PhysicalRange, readers: [BusMaster], writers: [BusMaster], cpuAccessPolicy: CarveoutHeap.CPUAccessPolicy = .teeHeap) {
            self.heapName = heapName
            self.range = range
            self.readers = readers
            self.writers = writers
            self.cpuAccessPolicy = cpuAccessPolicy
        }
    }

    /// A CMA region (`shared-dma-pool`, `reusable`), named as its reserved-memory node.
    public struct CMARegion: Sendable {
        public var name: String
        public var range: PhysicalRange

        public init(name: String, range: PhysicalRange) {
            self.name = name
            self.range = range
        }
    }

    /// A reserved `no-map` region that no heap owns: memory a device's `memory-region` points
    /// at and allocates from itself (a GPU's "reserved region" design for protected memory).
    /// Firewalled at boot like a carve-out, so only the secure CPU, `readers` and `writers`
    /// reach it; sharing it means every device points at the same region.
    public struct ReservedRegion: Sendable {
        public var name: String
        public var range: PhysicalRange
        public var readers: [BusMaster]
        public var writers: [BusMaster]

        public init(name: String, range: PhysicalRange, readers: [BusMaster], writers: [BusMaster]) {
            self.name = name
            self.range = range
            self.readers = readers
            self.writers = writers
        }
    }

    public var name: String
    public var dram: [PhysicalRange]
    public var cma: CMARegion?
    public var carveouts: [Carveout]
    public var firewallRegions: Int
    public var masters: [BusMaster]
    /// OP-TEE and how it provides protected memory; `nil` for a board without a TEE.
    public var optee: OPTEEConfiguration?
    /// Protected `no-map` regions that no heap owns.
    public var reservedRegions: [ReservedRegion]

    public init(name: String, dram: [PhysicalRange], cma: CMARegion?, carveouts: [Carveout], firewallRegions: Int = 8,
                masters: [BusMaster] = BusMaster.standard, optee: OPTEEConfiguration? = nil, reservedRegions: [ReservedRegion] = []) {
        self.name = name
        self.dram = dram
        self.cma = cma
        self.carveouts = carveouts
        self.firewallRegions = firewallRegions
        self.masters = masters
        self.optee = optee
        self.reservedRegions = reservedRegions
    }

    /// Ranges the kernel's page allocator must not take: CMA, carve-outs, OP-TEE's static pool,
    /// reserved regions.
    public var reservedRanges: [PhysicalRange] {
        (cma.map { [$0.range] } ?? []) + carveouts.map(\.range) + (optee?.staticPool.map { [$0.range] } ?? [])
            + reservedRegions.map(\.range)
    }
}

extension BoardConfiguration {
    /// The built-in default board: 2 GiB of DRAM at 0x4000_0000, a 256 MiB CMA region, a
    /// 128 MiB protected carve-out at the top (which the protected GPU, the codec and the
    /// display may read, and the protected GPU, the codec and the camera may write), and an
    /// OP-TEE whose static 64 MiB protected pool backs `protected,secure-video`.
    public static let builtinDefault = BoardConfiguration(
        name: "protmem-default",
        dram: [PhysicalRange(checkedBase: 0x4000_0000, size: 2 << 30)],
        cma: CMARegion(name: "linux,cma", range: PhysicalRange(checkedBase: 0xA800_0000, size: 256 << 20)),
        carveouts: [
            Carveout(
                heapName: "protected-carveout",
                range: PhysicalRange(checkedBase: 0xB800_0000, size: 128 << 20),
                readers: [.gpuProtected, .codec, .display],
                writers: [.gpuProtected, .codec, .camera]
            ),
        ],
        optee: OPTEEConfiguration(staticPool: .init(range: PhysicalRange(checkedBase: 0xA400_0000, size: 64 << 20)))
    )
}
