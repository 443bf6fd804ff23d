import ProtMemMemory

/// The board's Mali Valhall CSF GPU (`arm,mali-valhall-csf`, the Panthor driver) as its device
/// tree node describes it.
public struct GPUConfiguration: Sendable, Hashable {
    /// The node's path (`/gpu@fb000000`), as the kernel names the device.
    public var path: String
    /// `compatible`, most specific first (`rockchip,rk3588-mali`, `arm,mali-valhall-csf`).
    public var compatible: [String]
    /// The register window, translated to a CPU physical address.
    public var registers: PhysicalRange
    /// How the driver finds protected memory.
    public var design: GPUDesign

    public init(path: String, compatible: [String], registers: PhysicalRange, design: GPUDesign) {
        self.path = path
        self.compatible = compatible
        self.registers = registers
        self.design = design
    }

    /// The built-in default board's GPU: an RK3588-style Mali-G610 whose protected memory is
    /// the `protected-carveout` heap, found by name.
    public static let builtinDefault = GPUConfiguration(
        path: "/gpu@fb000000",
        compatible: ["rockchip,rk3588-mali", "arm,mali-valhall-csf"],
        registers: PhysicalRange(checkedBase: 0xFB00_0000, size: 0x20_0000),
        design: .heapName("protected-carveout")
    )
}

/// The three device-tree designs for how a GPU driver finds protected memory (see
/// ARCHITECTURE.md), chosen by which property the GPU node carries, plus none at all.
public enum GPUDesign: Sendable, Hashable {
    /// No protected memory: protected jobs stay blocked, PROT firmware sections are dropped.
    case none
    /// `protected-heap-name = "<heap>"` (the Panthor RFC): the driver looks the heap up by name
    /// at probe and defers probe while it is missing.
    case heapName(String)
    /// `memory-region = <&region>`: a `no-map` reserved region the driver allocates from
    /// itself. `name` is the region's node name (the kernel's `rmem->name`).
    case reservedRegion(name: String, range: PhysicalRange)
    /// `protmem,protected-heap = <&heap>`: a phandle to a heap device node, imported as that
    /// device's heap without any cast of private data.
    case heapDevice(HeapDevice)

    /// The property that selects the design, as a summary shows it.
    public var propertyName: String? {
        switch self {
        case .none: nil
        case .heapName: "protected-heap-name"
        case .reservedRegion: "memory-region"
        case .heapDevice: "protmem,protected-heap"
        }
    }

    /// A stable one-word name: `none`, `heap-name`, `memory-region`, `heap-device`.
    public var kind: String {
        switch self {
        case .none: "none"
        case .heapName: "heap-name"
        case .reservedRegion: "memory-region"
        case .heapDevice: "heap-device"
        }
    }
}

/// A `protmem,protected-heap` node: a device that exports one protected heap, so that a
/// consumer can name it with a phandle instead of a string.
public struct HeapDevice: Sendable, Hashable {
    /// What the heap device's heap is made of.
    public enum Backing: Sendable, Hashable {
        /// `memory-region` points at a `protmem,protected-carveout` region: that carve-out's heap.
        case carveout(region: String)
        /// `protmem,heap-name` names a heap another part of the board registers (a TEE heap).
        case namedHeap
    }

    public var path: String
    /// The heap the device exports: what its consumers get.
    public var heapName: String
    public var backing: Backing

    public init(path: String, heapName: String, backing: Backing) {
        self.path = path
        self.heapName = heapName
        self.backing = backing
    }
}
