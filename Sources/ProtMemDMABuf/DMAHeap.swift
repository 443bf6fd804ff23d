import ProtMemMemory
import Synchronization

/// `heap_flags` of `struct dma_heap_allocation_data`. No flag is defined: the kernel's
/// `DMA_HEAP_VALID_HEAP_FLAGS` is 0, so any set bit is `EINVAL`.
public struct DMAHeapFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `DMA_HEAP_VALID_HEAP_FLAGS`
    public static let valid: DMAHeapFlags = []
}

extension OpenFlags {
    /// `DMA_HEAP_VALID_FD_FLAGS`: `O_CLOEXEC | O_ACCMODE`.
    public static let dmaHeapValidFDFlags: OpenFlags = [.closeOnExec, .accessModeMask]
}

/// What a heap reports about itself, for `protmem heaps` and the reports. Not in the kernel
/// (a heap there exposes only its name); every model heap provides it.
public struct DMAHeapStatistics: Hashable, Sendable, Codable {
    /// What backs the heap: `system`, `cma`, `carveout`, …
    public var kind: String
    /// Bytes the heap can hand out when empty.
    public var size: UInt64
    /// Bytes it could still hand out now (not necessarily contiguous).
    public var free: UInt64
    /// Whether its buffers live in memory no non-secure master may read.
    public var isProtected: Bool
    /// Allocations that succeeded and that failed so far.
    public var allocations: UInt64
    public var failures: UInt64

    public init(kind: String, size: UInt64, free: UInt64, isProtected: Bool, allocations: UInt64 = 0, failures: UInt64 = 0) {
        self.kind = kind
        self.size = size
        self.free = free
        self.isProtected = isProtected
        self.allocations = allocations
        self.failures = failures
    }
}

/// `struct dma_heap_ops` with the heap's private data: what a heap driver registers.
///
/// Only `allocate` exists in the kernel; ``statistics`` is the model's addition.
public protocol DMAHeapOps: AnyObject, Sendable {
    /// `allocate(heap, len, fd_flags, heap_flags)`: `length` is already page-aligned and the
    /// flags already checked by the framework. Returns a buffer with one reference.
    func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf

    var statistics: DMAHeapStatistics { get }

    /// A number that changes whenever ``statistics``' `size` or `free` may have changed, or
    /// `nil` when the heap cannot tell. Lets a caller that samples every heap often (the
    /// simulation, every frame) skip one whose occupancy cannot have moved, without building
    /// its statistics. The model's addition, like ``statistics``.
    var occupancyGeneration: UInt64? { get }
}

extension DMAHeapOps {
    public var occupancyGeneration: UInt64? { nil }
}

/// `struct dma_heap`: a registered heap, found by name and counted by `kref`.
///
/// The count is Stultz's proposed `kref` (carried by the 2026 Panthor series): ``DMAHeapRegistry/add(name:ops:)``
/// holds the first reference, each ``DMAHeapRegistry/find(_:)`` takes one, each
/// ``DMAHeapRegistry/put(_:)`` drops one.
public final class DMAHeap: Sendable, CustomStringConvertible {
    public let name: String
    public let ops: any DMAHeapOps
    /// The character device minor of `/dev/dma_heap/<name>`.
    public let minor: Int
    /// The dma-buf list its buffers are accounted in.
    public let bufferList: DMABufList

    let references = Mutex(1)

    init(name: String, ops: any DMAHeapOps, minor: Int, bufferList: DMABufList) {
        self.name = name
        self.ops = ops
        self.minor = minor
        self.bufferList = bufferList
    }

    public var referenceCount: Int { references.withLock { $0 } }

    /// `/dev/dma_heap/<name>`
    public var devicePath: String { "/dev/dma_heap/\(name)" }

    public var description: String { "dma-heap \(name)" }

    /// `dma_buf_export` for this heap's buffers, with the heap's name as `exp_name` (as the
    /// system and CMA heaps do) unless the exporter names itself.
    public func export(_ exporter: any DMABufExporter, size: UInt64, fdFlags: OpenFlags) throws(Errno) -> DMABuf {
        try DMABuf.export(exporter, size: size, fileFlags: fdFlags, list: bufferList, heapName: name)
    }
}
