import ProtMemHeaps
import ProtMemMemory

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

    public var name: String
    public var dram: [PhysicalRange]
    public var cma: CMARegion?
    public var carveouts: [Carveout]
    public var firewallRegions: Int
    public var masters: [BusMaster]

    public init(name: String, dram: [PhysicalRange], cma: CMARegion?, carveouts: [Carveout], firewallRegions: Int = 8, masters: [BusMaster] = BusMaster.standard) {
        self.name = name
        self.dram = dram
        self.cma = cma
        self.carveouts = carveouts
        self.firewallRegions = firewallRegions
        self.masters = masters
    }
}

extension BoardConfiguration {
    /// The built-in default board: 2 GiB of DRAM at 0x4000_0000, a 256 MiB CMA region and a
    /// 128 MiB protected carve-out at the top, which the protected GPU, the codec and the
    /// display may read, and the protected GPU, the codec and the camera may write.
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
        ]
    )
}
