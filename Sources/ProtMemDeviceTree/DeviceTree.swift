/// A whole device tree: the node hierarchy plus the blob-level facts that are
/// not nodes (reserved memory, the boot CPU, which format version it came in).
public struct DeviceTree: Sendable, Hashable {
    public var root: DeviceTreeNode
    public var memoryReservations: [MemoryReservation]
    /// Physical id of the CPU the bootloader started on (`boot_cpuid_phys`).
    public var bootCPUIDPhys: UInt32
    /// Version of the blob this tree was read from; the writer always emits 17.
    public var version: UInt32
    /// `last_comp_version` of the blob this tree was read from.
    public var lastCompatibleVersion: UInt32

    public init(
        root: DeviceTreeNode,
        memoryReservations: [MemoryReservation] = [],
        bootCPUIDPhys: UInt32 = 0,
        version: UInt32 = 17,
        lastCompatibleVersion: UInt32 = 16
    ) {
        self.root = root
        self.memoryReservations = memoryReservations
        self.bootCPUIDPhys = bootCPUIDPhys
        self.version = version
        self.lastCompatibleVersion = lastCompatibleVersion
    }
}
