import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// Protected memory the driver holds: the physical chunks the GPU maps, and how to give them
/// back (unmap, detach and put an imported dma-buf; or return a block to the driver's pool).
public final class ProtectedAllocation: Sendable, CustomStringConvertible {
    public let size: UInt64
    /// The chunks behind the first ``size`` bytes, in order, each whole pages.
    public let chunks: [PhysicalRange]
    public let purpose: ProtectedAllocationPurpose
    /// Where it came from, for messages.
    public let origin: String
    /// The imported dma-buf, when a heap or userspace supplied the memory.
    public let dmaBuf: DMABuf?
    private let releaser: Mutex<(@Sendable () -> Void)?>

    init(size: UInt64, chunks: [PhysicalRange], purpose: ProtectedAllocationPurpose, origin: String, dmaBuf: DMABuf?,
         release: @escaping @Sendable () -> Void) {
        self.size = size
        self.chunks = chunks
        self.purpose = purpose
        self.origin = origin
        self.dmaBuf = dmaBuf
        self.releaser = Mutex(release)
    }

    /// Gives the memory back. Runs the release once; a second call does nothing.
    public func free() {
        let release = releaser.withLock { slot -> (@Sendable () -> Void)? in
            defer { slot = nil }
            return slot
        }
        release?()
    }

    public var isFreed: Bool { releaser.withLock { $0 == nil } }

    /// The chunks behind bytes `[offset, offset + count)`, or `nil` past the end.
    public func chunks(offset: UInt64, count: UInt64) -> [PhysicalRange]? {
        SGTable(chunks.map { SGEntry(address: $0.base, length: $0.size) }).segments(offset: offset, count: count)
    }

    public var description: String { "\(purpose) (\(size) bytes from \(origin))" }
}
