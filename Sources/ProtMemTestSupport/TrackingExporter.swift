import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A test double exporter over a fixed physical range: counts every operation the core calls
/// (release above all), so lifecycle tests can see exactly what ran and how often.
public final class TrackingExporter: DMABufExporter {
    public struct Calls: Hashable, Sendable {
        public var attach = 0
        public var detach = 0
        public var map = 0
        public var unmap = 0
        public var mmap = 0
        public var vmap = 0
        public var vunmap = 0
        public var beginCPUAccess = 0
        public var endCPUAccess = 0
        public var release = 0
    }

    public let range: PhysicalRange
    public let operations: DMABufOperations
    public let exporterName: String
    /// An errno `attach` answers with, to test refusal.
    public let refuseAttach: Errno?
    private let counts = Mutex(Calls())

    public init(range: PhysicalRange, operations: DMABufOperations = [.attach, .detach, .mmap, .vmap, .beginCPUAccess, .endCPUAccess], name: String = "tracking", refuseAttach: Errno? = nil) {
        self.range = range
        self.operations = operations
        self.exporterName = name
        self.refuseAttach = refuseAttach
    }

    public var calls: Calls { counts.withLock { $0 } }

    private var table: SGTable { SGTable([SGEntry(address: range.base, length: range.size)]) }

    public func attach(_ attachment: DMABufAttachment) throws(Errno) {
        counts.withLock { $0.attach += 1 }
        if let refuseAttach { throw refuseAttach }
    }
    public func detach(_ attachment: DMABufAttachment) { counts.withLock { $0.detach += 1 } }
    public func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable {
        counts.withLock { $0.map += 1 }
        return table
    }
    public func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) { counts.withLock { $0.unmap += 1 } }
    public func beginCPUAccess(direction: DMADataDirection) throws(Errno) { counts.withLock { $0.beginCPUAccess += 1 } }
    public func endCPUAccess(direction: DMADataDirection) throws(Errno) { counts.withLock { $0.endCPUAccess += 1 } }
    public func mmap(_ request: MmapRequest) throws(Errno) -> SGTable {
        counts.withLock { $0.mmap += 1 }
        return table
    }
    public func vmap() throws(Errno) -> SGTable {
        counts.withLock { $0.vmap += 1 }
        return table
    }
    public func vunmap() { counts.withLock { $0.vunmap += 1 } }
    public func release() { counts.withLock { $0.release += 1 } }
    public var backing: SGTable? { table }
}
