import ProtMemMemory

/// A board as its device tree describes it: the configuration to build it from, and what the
/// tree said, node by node, so a summary can show where each part came from.
public struct BoardDescription: Sendable {
    /// What `Board(_:)` builds.
    public var configuration: BoardConfiguration
    /// Every memory node's `reg` entries in tree order, before merging into
    /// `configuration.dram`.
    public var memory: [MemoryBank]
    /// `/reserved-memory` children in tree order, plus `/memreserve/` entries.
    public var reservedMemory: [ReservedMemoryRegion]
    public var trustedOS: TrustedOSNode?
    /// The `protmem,pkvm` node and its endpoints' nodes.
    public var hypervisor: HypervisorNode?
    public var heapDevices: [HeapDevice]
    public var unmodelled: [UnmodelledNode]

    public init(configuration: BoardConfiguration, memory: [MemoryBank], reservedMemory: [ReservedMemoryRegion],
                trustedOS: TrustedOSNode?, hypervisor: HypervisorNode? = nil, heapDevices: [HeapDevice], unmodelled: [UnmodelledNode]) {
        self.configuration = configuration
        self.memory = memory
        self.reservedMemory = reservedMemory
        self.trustedOS = trustedOS
        self.hypervisor = hypervisor
        self.heapDevices = heapDevices
        self.unmodelled = unmodelled
    }

    public var gpu: GPUConfiguration? { configuration.gpu }
}

extension BoardDescription {
    /// A description of a configuration that came from no tree (the built-in default board):
    /// its parts listed as the regions a tree would have declared for them, without paths.
    public init(describing configuration: BoardConfiguration) {
        var regions: [ReservedMemoryRegion] = []
        func add(_ name: String, _ kind: ReservedMemoryRegion.Kind, _ range: PhysicalRange, noMap: Bool = true) {
            regions.append(ReservedMemoryRegion(name: name, path: "", kind: kind, range: range, noMap: noMap, reusable: !noMap))
        }
        if let pool = configuration.optee?.staticPool { add("optee static pool", .opteeStaticPool, pool.range) }
        if let cma = configuration.cma { add(cma.name, .defaultCMA, cma.range, noMap: false) }
        for carveout in configuration.carveouts { add(carveout.heapName, .protectedCarveout, carveout.range) }
        if let range = configuration.mediatek?.carveout { add("mediatek secure memory", .mediatekSecureMemory, range) }
        if let range = configuration.mediatek?.dynamicRegion {
            add("mediatek,dynamic-restricted-region", .mediatekDynamicRegion, range, noMap: false)
        }
        for region in configuration.reservedRegions {
            add(region.name, region.protection == nil ? .noMap : .protectedRegion, region.range)
        }
        regions.sort { $0.range.base < $1.range.base }
        self.init(
            configuration: configuration,
            memory: configuration.dram.map { MemoryBank(path: "", range: $0) },
            reservedMemory: regions,
            trustedOS: configuration.optee.map { _ in TrustedOSNode(path: "", method: "smc") },
            hypervisor: configuration.hypervisor.map { hypervisor in
                HypervisorNode(path: "", endpoints: hypervisor.receivers.keys.sorted().map { HypervisorNode.Endpoint(id: $0, path: "") })
            },
            heapDevices: { if case .heapDevice(let device)? = configuration.gpu?.design { [device] } else { [] } }(),
            unmodelled: [])
    }
}
