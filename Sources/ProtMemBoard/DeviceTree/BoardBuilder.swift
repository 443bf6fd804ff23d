import ProtMemDeviceTree
import ProtMemMemory

/// Turns a device tree (a real board's blob plus overlays) into a ``BoardDescription``: the
/// configuration `Board(_:)` builds, and what each node contributed.
///
/// The builder reads the tree as Linux does at boot, in the same order:
/// 1. memory nodes (`device_type = "memory"`, root children, enabled) → DRAM, page-trimmed
///    and merged as `memblock_add` merges;
/// 2. `/reserved-memory` children → regions: static ones (`reg`) first, then those with only a
///    `size`, placed top-down in the free DRAM their `alloc-ranges` allow, as
///    `memblock_phys_alloc_range` places them;
/// 3. each region's kind from its compatible and flags (the `RESERVEDMEM_OF_DECLARE`
///    handlers' rules), the default CMA area named after its node (`rmem->name`, the node's
///    full name, which `cma_get_name` and so the CMA heap take);
/// 4. OP-TEE's node, MediaTek's regions, heap devices and the Valhall CSF GPU, with the
///    `protmem,` properties that configure protected memory;
/// 5. the hypervisor (`protmem,pkvm`), its FF-A endpoints and the heap that lends to one.
///
/// Nodes the model has no use for are listed in ``BoardDescription/unmodelled``, never
/// rejected. What cannot be right (a `reg` that does not decode, a phandle to nothing,
/// overlapping regions, a heap's region outside DRAM) is a ``BoardBuildError`` naming the node
/// and property.
public enum BoardBuilder {
    /// `CMA_MIN_ALIGNMENT_BYTES` on arm64 with 4 KiB pages (`PAGE_SIZE << pageblock_order`,
    /// pageblock order 9 with huge pages): base and size of every CMA area are multiples.
    public static let cmaAlignment: UInt64 = 2 << 20
    /// `SMP_CACHE_BYTES` on arm64: the alignment of a placed region without `alignment`.
    public static let defaultPlacementAlignment: UInt64 = 64

    /// Applies `overlays` to `tree` in order (as `fdtoverlay` does), then builds.
    public static func build(_ tree: DeviceTree, overlays: [DeviceTree] = []) throws(BoardBuildError) -> BoardDescription {
        let merged: DeviceTree
        do {
            merged = try tree.applying(overlays: overlays)
        } catch {
            throw BoardBuildError(path: "/", overlayIndex: error.overlayIndex, "cannot apply: \(error.reason) (\(error.code.name))")
        }
        var build = BoardBuild(tree: merged)
        return try build.run()
    }

    /// Parses `blob` and `overlayBlobs` and builds; a blob that does not parse is named by its
    /// position (`overlay 1: FDT byte …`).
    public static func build(blob: [UInt8], overlayBlobs: [[UInt8]] = []) throws(BoardBuildError) -> BoardDescription {
        let tree: DeviceTree
        do {
            tree = try FlattenedDeviceTree.parse(blob)
        } catch {
            throw BoardBuildError(path: "/", "the board blob does not parse: \(error)")
        }
        var overlays: [DeviceTree] = []
        for (index, bytes) in overlayBlobs.enumerated() {
            do {
                overlays.append(try FlattenedDeviceTree.parse(bytes))
            } catch {
                throw BoardBuildError(path: "/", overlayIndex: index, "the overlay blob does not parse: \(error)")
            }
        }
        return try build(tree, overlays: overlays)
    }
}

/// One build: the tree, what has been taken from it so far, and the order of the steps.
struct BoardBuild {
    let tree: DeviceTree
    /// Paths of nodes something was made of; all other nodes with a compatible are unmodelled.
    var consumed: Set<String> = []
    var unmodelled: [UnmodelledNode] = []
    let masters: [BusMaster] = BusMaster.standard

    init(tree: DeviceTree) {
        self.tree = tree
    }

    mutating func run() throws(BoardBuildError) -> BoardDescription {
        let banks = try memoryBanks()
        let dram = Self.merge(banks.map(\.range))
        guard !dram.isEmpty else {
            throw BoardBuildError(path: "/", """
                no memory: no enabled root child with device_type = "memory" and a non-empty reg \
                (bootloaders usually add it at boot; add one with an overlay)
                """)
        }
        var regions = try reservedMemory(dram: dram)
        let trustedOS = try trustedOSNode()
        let optee = try trustedOS.map { node throws(BoardBuildError) in try opteeConfiguration(node, regions: &regions) }
        try checkPlacement(of: &regions, in: dram)
        let mediatek = try mediatekConfiguration(regions, hasOPTEE: optee != nil)
        let heapDevices = try self.heapDevices(regions: regions)
        let gpu = try gpuConfiguration(regions: regions, heapDevices: heapDevices)

        var configuration = BoardConfiguration(
            name: boardName, dram: dram, cma: try defaultCMA(regions), carveouts: try carveouts(regions),
            masters: masters, optee: optee)
        configuration.mediatek = mediatek
        configuration.reservedRegions = try reservedRegions(regions)
        configuration.gpu = gpu
        let hypervisor = try self.hypervisor(otherHeaps: heapOwners(configuration, regions: regions, trustedOS: trustedOS))
        configuration.hypervisor = hypervisor?.configuration
        collectUnmodelled()
        return BoardDescription(configuration: configuration, memory: banks, reservedMemory: regions,
                                trustedOS: trustedOS, hypervisor: hypervisor?.node, heapDevices: heapDevices, unmodelled: unmodelled)
    }

    /// The root's `model`, else its first `compatible`: what a person calls the board.
    var boardName: String {
        if let model = try? tree.root.property(named: "model")?.string(), !model.isEmpty { return model }
        return tree.root.compatible.first ?? "unnamed board"
    }

    /// Sorted, with overlapping and touching ranges merged, as memblock keeps its regions.
    static func merge(_ ranges: [PhysicalRange]) -> [PhysicalRange] {
        var merged: [PhysicalRange] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.base < $1.base }) {
            if let last = merged.last, range.base.rawValue <= last.end {
                let end = max(last.end, range.end)
                merged[merged.count - 1] = PhysicalRange(base: last.base, size: end - last.base.rawValue)!
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
