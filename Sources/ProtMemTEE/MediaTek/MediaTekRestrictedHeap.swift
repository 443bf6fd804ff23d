import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// MediaTek's restricted heaps (Yong Wu's series, v5): the heap asks the secure-memory TA for
/// every buffer, by UUID, over the TEE client API.
///
/// - `restricted_mtk_cm`: the TA allocates from a carve-out it manages itself.
/// - `restricted_mtk_cma`: on first use the heap takes its *whole* reserved CMA region
///   (`mediatek,dynamic-restricted-region`) and passes it to the TA with every allocation;
///   the region goes back to CMA when its last buffer is freed.
///
/// Errors as the series has them: any TEE error in a service call is `EOPNOTSUPP`; a failed
/// `ZALLOC` is reported by the heap as `ENOMEM`; a failed session open is `EINVAL`. Buffers
/// refuse mmap and CPU access with `EPERM`; there is no vmap (`EINVAL`).
public final class MediaTekRestrictedHeap: DMAHeapOps {
    public enum Kind: Sendable {
        case carveout
        case cma(ContiguousAllocator)

        var memoryType: UInt32 { if case .cma = self { 2 } else { 1 } }
    }

    public static let carveoutHeapName = "restricted_mtk_cm"
    public static let cmaHeapName = "restricted_mtk_cma"

    public let kind: Kind
    public let driver: OPTEEDriver
    let session: TEESession
    /// The size the TA can give out; for the carve-out the platform says it, for CMA it is
    /// the region.
    public let capacity: UInt64

    struct State {
        var cmaBlock: PhysicalRange?
        var used: UInt64 = 0
        var allocations: UInt64 = 0
        var failures: UInt64 = 0
    }

    let state = Mutex(State())

    /// `mtk_tee_ctx_init`: opens a session to the TA. `EINVAL` when that fails.
    public init(kind: Kind, driver: OPTEEDriver, carveoutSize: UInt64 = 0) throws(Errno) {
        let opened = try driver.openSession(MediaTekSecureMemory.uuid, login: .public)
        guard let session = opened.session else { throw .invalidArgument }
        self.kind = kind
        self.driver = driver
        self.session = session
        if case .cma(let area) = kind { capacity = area.range.size } else { capacity = carveoutSize }
    }

    public var name: String {
        if case .cma = kind { Self.cmaHeapName } else { Self.carveoutHeapName }
    }

    /// `mtk_tee_service_call`: any TEE error (or a failed call) becomes `EOPNOTSUPP`.
    public func serviceCall(_ command: UInt32, _ parameters: [OPTEEMessageParameter]) throws(Errno) -> [OPTEEMessageParameter] {
        let answer = try driver.invoke(session, function: command, parameters: parameters)
        guard answer.outcome.isSuccess else { throw .notSupported }
        return answer.parameters
    }

    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        do throws(Errno) {
            let region = try takeCMA(length)
            let block: (range: PhysicalRange, handle: UInt32)
            do throws(Errno) {
                block = try restrict(length, region: region)
            } catch {
                giveBackCMA(length)
                throw error
            }
            do throws(Errno) {
                let buffer = try heap.export(MediaTekRestrictedBuffer(heap: self, block: block.range, handle: block.handle), size: length, fdFlags: fdFlags)
                state.withLock { $0.allocations += 1 }
                return buffer
            } catch {
                unrestrict(block.handle)
                giveBackCMA(length)
                throw error
            }
        } catch {
            state.withLock { $0.failures += 1 }
            throw error
        }
    }

    /// `mtk_restricted_memory_cma_allocate`: the whole region on first use; `EINVAL` past it.
    /// The carve-out takes nothing here, but its bytes in use are counted the same way, so
    /// the heap's statistics say what its live buffers hold.
    private func takeCMA(_ length: UInt64) throws(Errno) -> PhysicalRange? {
        guard case .cma(let area) = kind else {
            state.withLock { $0.used += length }
            return nil
        }
        return try state.withLock { state throws(Errno) -> PhysicalRange? in
            if state.used == 0 {
                guard let block = area.allocate(pages: area.range.pageCount, align: 0) else { throw .noMemory }
                state.cmaBlock = block
            } else if state.used + length > area.range.size {
                throw .invalidArgument
            }
            state.used += length
            return state.cmaBlock
        }
    }

    /// `mtk_restricted_memory_cma_free`
    private func giveBackCMA(_ length: UInt64) {
        guard case .cma(let area) = kind else {
            state.withLock { $0.used -= length }
            return
        }
        state.withLock { state in
            state.used -= length
            if state.used == 0, let block = state.cmaBlock {
                try? area.release(block)
                state.cmaBlock = nil
            }
        }
    }

    /// `mtk_tee_restrict_memory`: SECMEM_ZALLOC; contiguous answers only.
    private func restrict(_ length: UInt64, region: PhysicalRange?) throws(Errno) -> (range: PhysicalRange, handle: UInt32) {
        let outputs: [OPTEEMessageParameter]
        do {
            outputs = try serviceCall(MediaTekSecureMemory.zalloc, [
                .value(.valueInput, a: length, b: pageSize),
                .value(.valueInput, a: UInt64(kind.memoryType)),
                .value(.valueInout, a: region?.base.rawValue ?? 0, b: region?.size ?? 0),
                .value(.valueOutput),
            ])
        } catch {
            throw .noMemory
        }
        guard outputs.count == 4, outputs[2].a == 1, outputs[2].b != 0,
              let range = PhysicalRange(base: PhysicalAddress(outputs[2].b), size: length) else {
            throw .noMemory
        }
        return (range, UInt32(truncatingIfNeeded: outputs[3].a))
    }

    /// `mtk_tee_unrestrict_memory`: SECMEM_FREE; the series ignores the call's own result.
    func unrestrict(_ handle: UInt32) {
        _ = try? serviceCall(MediaTekSecureMemory.free, [.value(.valueInput, a: UInt64(handle)), .value(.valueOutput)])
    }

    func release(_ handle: UInt32, length: UInt64) {
        unrestrict(handle)
        giveBackCMA(length)
    }

    public var statistics: DMAHeapStatistics {
        let state = state.withLock { $0 }
        return DMAHeapStatistics(kind: "mtk-restricted", size: capacity, free: capacity - min(capacity, state.used), isProtected: true,
                                 allocations: state.allocations, failures: state.failures)
    }
}

/// The series' `MTK_TZCMD_*` numbers and TA identity, shared with the TA's side.
public enum MediaTekSecureMemory {
    public static let uuid = TEEUUID("4477588a-8476-11e2-ad15-e41f1390d676")!
    public static let zalloc: UInt32 = 0x10000
    public static let free: UInt32 = 0x10001
    public static let retrieveSG: UInt32 = 0x10002
    /// `struct mtk_tee_scatterlist { u64 pa; u32 length; } __packed`
    public static let scatterEntrySize = 12

    /// `enum mtk_secure_mem_type`
    public enum MemoryType: UInt32, Sendable, Hashable {
        /// `MTK_SECURE_MEMORY_TYPE_CM_TZ`: a carve-out the TEE manages.
        case carveout = 1
        /// `MTK_SECURE_MEMORY_TYPE_CM_CMA`: a CMA region the kernel hands to the TEE.
        case cma = 2
    }
}

/// One restricted buffer: `struct restricted_buffer` with the TA's handle.
final class MediaTekRestrictedBuffer: DMABufExporter {
    let heap: MediaTekRestrictedHeap
    let block: PhysicalRange
    let handle: UInt32

    init(heap: MediaTekRestrictedHeap, block: PhysicalRange, handle: UInt32) {
        self.heap = heap
        self.block = block
        self.handle = handle
    }

    var exporterName: String { heap.name }
    var operations: DMABufOperations { [.attach, .detach, .mmap, .beginCPUAccess, .endCPUAccess] }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable {
        SGTable([SGEntry(address: block.base, length: block.size)])
    }
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}
    func mmap(_ request: MmapRequest) throws(Errno) -> SGTable { throw .notPermitted }
    func beginCPUAccess(direction: DMADataDirection) throws(Errno) { throw .notPermitted }
    func endCPUAccess(direction: DMADataDirection) throws(Errno) { throw .notPermitted }
    func release() { heap.release(handle, length: block.size) }
    var backing: SGTable? { SGTable([SGEntry(address: block.base, length: block.size)]) }
}
