/// One entry of the memory reservation block: physical memory the kernel must
/// not hand to its allocator (firmware, secure-world carve-outs, the DTB itself).
public struct MemoryReservation: Sendable, Hashable {
    public var address: UInt64
    public var size: UInt64

    public init(address: UInt64, size: UInt64) {
        self.address = address
        self.size = size
    }
}
