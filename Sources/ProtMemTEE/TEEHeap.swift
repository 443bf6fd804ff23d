import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// A TEE protected heap (`drivers/tee/tee_heap.c`): registered under the mainline name for
/// its use case, backed by a TEE protected-memory pool, with only attach, detach, map, unmap
/// and release (so mmap and vmap are `EINVAL`, and CPU-access brackets succeed doing nothing).
///
/// The heap holds a reference for its registration and one per live buffer. When the TEE
/// device unregisters it drops the first; when the last goes the pool is destroyed and the
/// device forgotten, after which allocation answers `EINVAL`. Buffers allocated before that
/// keep working, and new allocations succeed while any of them lives, as in the kernel.
public final class TEEHeap: DMAHeapOps {
    public let useCase: ProtectedMemoryUseCase
    public let pool: any TEEProtectedMemoryPool

    struct State {
        var device: OPTEEDriver?
        var references = 1
        var shuttingDown = false
        var counters = (allocations: UInt64(0), failures: UInt64(0))
    }

    let state: Mutex<State>

    public init(useCase: ProtectedMemoryUseCase, pool: any TEEProtectedMemoryPool, device: OPTEEDriver) {
        self.useCase = useCase
        self.pool = pool
        self.state = Mutex(State(device: device))
        device.onUnregister { [weak self] in self?.deviceGoing() }
    }

    /// `tee_dma_heap_alloc`: `EINVAL` once the device is gone.
    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        try state.withLock { state throws(Errno) in
            guard state.device != nil else {
                state.counters.failures += 1
                throw .invalidArgument
            }
            state.references += 1
        }
        do throws(Errno) {
            let table = try pool.allocate(length)
            do throws(Errno) {
                let buffer = try heap.export(TEEHeapBuffer(heap: self, table: table), size: length, fdFlags: fdFlags)
                state.withLock { $0.counters.allocations += 1 }
                return buffer
            } catch {
                pool.free(table)
                throw error
            }
        } catch {
            state.withLock { $0.counters.failures += 1 }
            put()
            throw error
        }
    }

    /// `tee_device_put_all_dma_heaps`
    func deviceGoing() {
        let proceed = state.withLock { state -> Bool in
            guard !state.shuttingDown else { return false }
            state.shuttingDown = true
            return true
        }
        if proceed { put() }
    }

    /// `put_tee_heap`; the last reference runs `tee_heap_release`.
    func put() {
        let last = state.withLock { state -> Bool in
            state.references -= 1
            guard state.references == 0 else { return false }
            state.device = nil
            return true
        }
        if last { pool.destroy() }
    }

    public var isDeviceGone: Bool { state.withLock { $0.device == nil } }

    public var statistics: DMAHeapStatistics {
        let counters = state.withLock { $0.counters }
        return DMAHeapStatistics(kind: pool.kind, size: pool.size, free: pool.available, isProtected: true,
                                 allocations: counters.allocations, failures: counters.failures)
    }

    /// The pool's: the heap's size and free bytes are the pool's.
    public var occupancyGeneration: UInt64? { pool.occupancyGeneration }
}

/// One TEE-heap buffer: `struct tee_heap_buffer`.
final class TEEHeapBuffer: DMABufExporter {
    let heap: TEEHeap
    let table: SGTable

    init(heap: TEEHeap, table: SGTable) {
        self.heap = heap
        self.table = table
    }

    /// `DEFINE_DMA_BUF_EXPORT_INFO` defaults `exp_name` to `KBUILD_MODNAME`, `tee`.
    var exporterName: String { "tee" }
    var operations: DMABufOperations { [.attach, .detach] }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable { table }
    var backing: SGTable? { table }
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}

    /// `tee_heap_buf_free`
    func release() {
        heap.pool.free(table)
        heap.put()
    }
}
