import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld

/// Everything a failed call must leave as it found it: what each heap has free, the live
/// dma-bufs, every range the secure world protects and why, what is lent to OP-TEE, and the
/// TA's live buffers. Two snapshots compare equal only if none of it moved.
public struct BoardSnapshot: Hashable, Sendable, CustomStringConvertible {
    public let heapFree: [String: UInt64]
    public let liveBuffers: Int
    public let protections: [ProtectionRecord]
    public let lent: [PhysicalRange]
    public let openSessions: Int
    public let systemFreeBytes: UInt64

    public init(_ board: Board) {
        heapFree = freeBytesByHeap(board)
        liveBuffers = board.dmaBufs.count
        protections = board.secureMonitor.protections + (board.secureMonitor.hypervisor?.protections ?? [])
        lent = board.trustedOS?.lentRanges ?? []
        openSessions = board.trustedOS?.openSessions ?? 0
        systemFreeBytes = board.pageAllocator.freeBytes
    }

    public var description: String {
        "heaps \(heapFree.sorted { $0.key < $1.key }), \(liveBuffers) buffers, \(protections.count) protections, lent \(lent), \(openSessions) sessions"
    }
}
