import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// A protected heap over a hypervisor: each buffer is ordinary RAM gathered as the system heap
/// gathers it, then lent with `FFA_MEM_LEND` to the protected-media endpoint. From then on the
/// hypervisor refuses every host access to its pages; freeing asks the borrower to relinquish
/// them, reclaims them (the hypervisor scrubs lent pages on the way back) and returns them to
/// the page allocator. While the buffer lives the borrower holds the memory, so nobody can
/// reclaim it from under a device.
///
/// Its buffer ops are the TEE heap's: attach, detach, map, unmap and release only.
public final class FFALendHeap: DMAHeapOps {
    public let driver: FFADriver
    public let pages: PageAllocator
    public let receiver: UInt16
    public let useCase: UInt64

    struct State {
        var liveBytes: UInt64 = 0
        var allocations: UInt64 = 0
        var failures: UInt64 = 0
        /// Pages the hypervisor would not give back: kept out of the allocator for good.
        var quarantined: [PhysicalRange] = []
    }

    let state = Mutex(State())

    public init(driver: FFADriver, pages: PageAllocator, receiver: UInt16, useCase: UInt64 = 1) {
        self.driver = driver
        self.pages = pages
        self.receiver = receiver
        self.useCase = useCase
    }

    /// `ENOMEM` without pages; the FF-A error's errno when the lend is refused (pages given back).
    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        guard let chunks = SystemHeap.allocateChunks(length, from: pages) else {
            state.withLock { $0.failures += 1 }
            throw .noMemory
        }
        let handle: UInt64
        do {
            handle = try driver.lend(chunks, to: receiver, tag: useCase)
        } catch {
            for chunk in chunks { try? pages.free(chunk) }
            state.withLock { $0.failures += 1 }
            throw error
        }
        do {
            let buffer = try heap.export(FFALendBuffer(heap: self, chunks: chunks, handle: handle), size: length, fdFlags: fdFlags)
            state.withLock { $0.allocations += 1; $0.liveBytes += length }
            return buffer
        } catch {
            release(chunks, handle: handle, bytes: 0)
            state.withLock { $0.failures += 1 }
            throw error
        }
    }

    /// The buffer's end: the borrower is asked to relinquish the memory, then it is reclaimed
    /// (scrubbed by the hypervisor). Memory that does not come back stays out of the allocator.
    func release(_ chunks: [PhysicalRange], handle: UInt64, bytes: UInt64) {
        try? driver.requestRelinquish(handle, from: receiver)
        let reclaimed = (try? driver.reclaim(handle)) != nil
        state.withLock { state in
            state.liveBytes -= bytes
            if !reclaimed { state.quarantined += chunks }
        }
        if reclaimed { for chunk in chunks { try? pages.free(chunk) } }
    }

    public var quarantined: [PhysicalRange] { state.withLock { $0.quarantined } }

    public var statistics: DMAHeapStatistics {
        let state = state.withLock { $0 }
        return DMAHeapStatistics(kind: "ffa-lend", size: pages.totalBytes, free: pages.freeBytes, isProtected: true,
                                 allocations: state.allocations, failures: state.failures)
    }
}

/// One lent buffer: its chunks and the FF-A handle.
final class FFALendBuffer: DMABufExporter {
    let heap: FFALendHeap
    let chunks: [PhysicalRange]
    let handle: UInt64

    init(heap: FFALendHeap, chunks: [PhysicalRange], handle: UInt64) {
        self.heap = heap
        self.chunks = chunks
        self.handle = handle
    }

    var exporterName: String { "ffa-lend" }
    var operations: DMABufOperations { [.attach, .detach] }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable {
        SGTable(chunks.map { SGEntry(address: $0.base, length: $0.size) })
    }
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}
    func release() { heap.release(chunks, handle: handle, bytes: chunks.reduce(0) { $0 + $1.size }) }
    var backing: SGTable? { SGTable(chunks.map { SGEntry(address: $0.base, length: $0.size) }) }
}
