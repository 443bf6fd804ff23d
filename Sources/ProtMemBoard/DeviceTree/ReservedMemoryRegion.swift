import ProtMemMemory

/// One `/reserved-memory` child as the kernel would set it up, with the role it plays on the
/// board.
public struct ReservedMemoryRegion: Sendable, Hashable {
    /// What the region is for. The kernel decides from `compatible` and the `no-map` /
    /// `reusable` flags (`RESERVEDMEM_OF_DECLARE` handlers); ProtMem adds its `protmem,` kinds.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// `shared-dma-pool` + `reusable` + `linux,cma-default`: the default CMA area, whose
        /// dma-buf heap is named after the node (`cma_get_name`).
        case defaultCMA = "linux,cma-default"
        /// `shared-dma-pool` + `reusable` without `linux,cma-default`: a CMA area for the
        /// devices that point at it. Linux 6.12's CMA heap covers only the default area.
        case reusable
        /// `shared-dma-pool` without `reusable`: a per-device coherent pool (`rmem_dma_setup`).
        case sharedDMAPool = "shared-dma-pool"
        /// `restricted-dma-pool`: a swiotlb bounce pool for devices without an IOMMU. Kept as a
        /// region; no heap.
        case restrictedDMAPool = "restricted-dma-pool"
        /// A firmware carve-out (`optee@…`, `optee_core@…`): OP-TEE's own memory, reachable
        /// by the secure world only.
        case firmware
        /// `protmem,protected-carveout`: a firewalled carve-out behind a carve-out heap.
        case protectedCarveout = "protmem,protected-carveout"
        /// `protmem,protected-region`: a firewalled region without a heap, for devices that
        /// point at it with `memory-region`.
        case protectedRegion = "protmem,protected-region"
        /// The region OP-TEE's node names in `protmem,static-pool`: its static protected pool.
        case opteeStaticPool = "optee-static-pool"
        /// `protmem,mtk-secmem`: the carve-out MediaTek's secure-memory TA manages.
        case mediatekSecureMemory = "protmem,mtk-secmem"
        /// `mediatek,dynamic-restricted-region`: memory handed to the TA on first use.
        case mediatekDynamicRegion = "mediatek,dynamic-restricted-region"
        /// `no-map` with nothing else the model knows: removed from the linear map, owned by
        /// whoever points at it.
        case noMap = "no-map"
        /// Neither `no-map` nor `reusable` and no known compatible: `memblock_reserve`d.
        case reserved

        /// Whether the model builds something on the region (a heap, a pool, a firewall region),
        /// which then must lie in DRAM.
        public var hasRole: Bool {
            switch self {
            case .defaultCMA, .reusable, .restrictedDMAPool, .protectedCarveout, .protectedRegion,
                 .opteeStaticPool, .mediatekSecureMemory, .mediatekDynamicRegion: true
            case .sharedDMAPool, .firmware, .noMap, .reserved: false
            }
        }
    }

    /// The node's full name, unit address included: the kernel's `rmem->name`.
    public var name: String
    public var path: String
    public var kind: Kind
    /// The first `reg` entry, or where a `size`-only node was placed.
    public var range: PhysicalRange
    /// Further `reg` entries: reserved too, but the kernel's region is the first one.
    public var additionalRanges: [PhysicalRange]
    public var compatible: [String]
    public var noMap: Bool
    public var reusable: Bool
    /// Placed at boot from `size` (and `alignment`, `alloc-ranges`) rather than given by `reg`.
    public var isDynamic: Bool
    /// Whether the region lies in DRAM. A region without a role may lie outside (firmware
    /// memory the bootloader left out of the memory node, such as TF-A's first 2 MiB on
    /// Rockchip); it then reserves nothing the kernel would have used.
    public var isInDRAM: Bool
    public var phandle: UInt32?

    public init(name: String, path: String, kind: Kind, range: PhysicalRange, additionalRanges: [PhysicalRange] = [],
                compatible: [String] = [], noMap: Bool = false, reusable: Bool = false, isDynamic: Bool = false,
                isInDRAM: Bool = true, phandle: UInt32? = nil) {
        self.name = name
        self.path = path
        self.kind = kind
        self.range = range
        self.additionalRanges = additionalRanges
        self.compatible = compatible
        self.noMap = noMap
        self.reusable = reusable
        self.isDynamic = isDynamic
        self.isInDRAM = isInDRAM
        self.phandle = phandle
    }
}
