import ProtMemHeaps
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE

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
        /// What hands the carve-out out (`protmem,allocator`); the kernel's first fit unless said.
        public var allocator: PoolAllocatorKind

        public init(heapName: String, range: PhysicalRange, readers: [BusMaster], writers: [BusMaster], cpuAccessPolicy: CarveoutHeap.CPUAccessPolicy = .teeHeap,
                    allocator: PoolAllocatorKind = .firstFit) {
            self.heapName = heapName
            self.range = range
            self.readers = readers
            self.writers = writers
            self.cpuAccessPolicy = cpuAccessPolicy
            self.allocator = allocator
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

    public var name: String
    public var dram: [PhysicalRange]
    public var cma: CMARegion?
    public var carveouts: [Carveout]
    public var firewallRegions: Int
    public var masters: [BusMaster]
    /// OP-TEE and how it provides protected memory; `nil` for a board without a TEE.
    public var optee: OPTEEConfiguration?
    /// MediaTek's secure-memory TA and its restricted heaps (needs `optee`).
    public var mediatek: MediaTekConfiguration?
    /// A pKVM-style hypervisor and the heap that lends its buffers through it.
    public var hypervisor: HypervisorConfiguration?
    /// Reserved memory that backs no heap (firmware, device pools, a GPU's own region): kept
    /// from the page allocator, and firewalled at boot when it says so.
    public var reservedRegions: [ReservedRegion] = []
    /// The Valhall CSF GPU and how it finds protected memory; `nil` for a board without one.
    public var gpu: GPUConfiguration? = nil

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
            + (mediatek?.carveout.map { [$0] } ?? []) + (mediatek?.dynamicRegion.map { [$0] } ?? [])
            + reservedRegions.map(\.range)
    }
}

extension BoardConfiguration {
    /// The built-in default board: 2 GiB of DRAM at 0x4000_0000, a 256 MiB CMA region, a
    /// 128 MiB protected carve-out at the top (which the protected GPU, the codec and the
    /// display may read, and the protected GPU, the codec and the camera may write), and an
    /// OP-TEE whose static 64 MiB protected pool backs `protected,secure-video`.
    /// Its GPU finds the carve-out by name (`protected-heap-name`). `Boards/protmem-default.dts`
    /// describes the same board.
    public static let builtinDefault: BoardConfiguration = {
        var configuration = BoardConfiguration(
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
        configuration.gpu = .builtinDefault
        return configuration
    }()
}

/// MediaTek's secure-memory TA on a board: the carve-out it manages (`restricted_mtk_cm`) and
/// the reusable region the kernel hands it (`mediatek,dynamic-restricted-region`,
/// `restricted_mtk_cma`). Either may be absent.
public struct MediaTekConfiguration: Sendable {
    public var carveout: PhysicalRange?
    public var dynamicRegion: PhysicalRange?
    public var grant: OPTEEConfiguration.Grant

    public init(carveout: PhysicalRange?, dynamicRegion: PhysicalRange?,
                grant: OPTEEConfiguration.Grant = OPTEEConfiguration.defaultGrants[.secureVideoPlay]!) {
        self.carveout = carveout
        self.dynamicRegion = dynamicRegion
        self.grant = grant
    }
}

/// A protected hypervisor on a board: the FF-A endpoints memory may be lent to, with the
/// masters each may use, and the heap that lends to one of them.
public struct HypervisorConfiguration: Sendable {
    /// The protected-media endpoint's FF-A id.
    public static let protectedMediaEndpoint: UInt16 = 0x8001
    /// The heap's name when a board does not give one: the mainline secure-video heap's.
    public static let defaultHeapName = "protected,secure-video"

    public var receivers: [UInt16: OPTEEConfiguration.Grant]
    public var heapName: String
    public var heapReceiver: UInt16
    /// What the host's stage 2 does with lent pages (`protmem,lend-model`).
    public var lendModel: Hypervisor.LendModel

    public init(receivers: [UInt16: OPTEEConfiguration.Grant] = [protectedMediaEndpoint: OPTEEConfiguration.defaultGrants[.secureVideoPlay]!],
                heapName: String = defaultHeapName, heapReceiver: UInt16 = protectedMediaEndpoint, lendModel: Hypervisor.LendModel = .strict) {
        self.receivers = receivers
        self.heapName = heapName
        self.heapReceiver = heapReceiver
        self.lendModel = lendModel
    }
}
