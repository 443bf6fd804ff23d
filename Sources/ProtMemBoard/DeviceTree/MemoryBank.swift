import ProtMemMemory

/// One `reg` entry of a memory node (`device_type = "memory"`), page-trimmed as
/// `early_init_dt_add_memory_arch` trims it before `memblock_add`.
public struct MemoryBank: Sendable, Hashable {
    /// The memory node's path (`/memory@40000000`).
    public var path: String
    public var range: PhysicalRange

    public init(path: String, range: PhysicalRange) {
        self.path = path
        self.range = range
    }
}
