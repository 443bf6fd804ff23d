import ProtMemMemory
import Synchronization

/// The heaps of one modelled kernel: `dma-heap.c`'s `heap_list` and its minors.
///
/// Heaps are added, found by name and put; allocation runs the framework's checks in the
/// kernel's order before a heap sees the request.
public final class DMAHeapRegistry: Sendable {
    /// `NUM_HEAP_MINORS`: the char device region has 128 minors, so at most 128 heaps.
    public static let maximumHeaps = 128

    public let bufferList: DMABufList

    private struct State {
        /// In registration order; the minor is the position a heap was given.
        var heaps: [DMAHeap] = []
        var usedMinors = Set<Int>()
    }

    private let state = Mutex(State())
    /// Bumped whenever a heap is added or removed: ``generation``.
    private let changes = Atomic<UInt64>(0)

    public init(bufferList: DMABufList) {
        self.bufferList = bufferList
    }

    /// `dma_heap_add`: `EINVAL` for an empty name or a name already registered; `EBUSY`
    /// when all 128 minors are taken (as `xa_alloc` answers). The returned heap carries the
    /// registration's reference. A name with a NUL byte is also `EINVAL`: no C caller can
    /// pass one, so it can only be a mistake.
    @discardableResult
    public func add(name: String, ops: any DMAHeapOps) throws(Errno) -> DMAHeap {
        guard !name.isEmpty, !name.utf8.contains(0) else { throw .invalidArgument }
        let heap = try state.withLock { state throws(Errno) in
            guard let minor = (0..<Self.maximumHeaps).first(where: { !state.usedMinors.contains($0) }) else {
                throw .resourceBusy
            }
            guard !state.heaps.contains(where: { $0.name == name }) else { throw .invalidArgument }
            let heap = DMAHeap(name: name, ops: ops, minor: minor, bufferList: bufferList)
            state.heaps.append(heap)
            state.usedMinors.insert(minor)
            changes.add(1, ordering: .releasing)
            return heap
        }
        return heap
    }

    /// `dma_heap_find`: the heap named `name` with a reference taken, or `nil`.
    public func find(_ name: String) -> DMAHeap? {
        state.withLock { state in
            guard let heap = state.heaps.first(where: { $0.name == name }) else { return nil }
            heap.references.withLock { $0 += 1 }
            return heap
        }
    }

    /// `dma_heap_put`: drops a reference; the last one unregisters the heap (its node and
    /// minor go) as the proposed `dma_heap_release` does.
    public func put(_ heap: DMAHeap) {
        state.withLock { state in
            let remaining = heap.references.withLock { count in
                precondition(count > 0, "dma_heap_put on a heap with no references")
                count -= 1
                return count
            }
            if remaining == 0 {
                state.heaps.removeAll { $0 === heap }
                state.usedMinors.remove(heap.minor)
                changes.add(1, ordering: .releasing)
            }
        }
    }

    /// A number that changes whenever a heap is added or removed: while it stands still,
    /// ``heaps`` answers the same heaps in the same order, so a caller that walks them often
    /// (the simulation samples every heap every frame) may keep its own list instead of
    /// copying the registry's under its lock each time. The model's addition.
    public var generation: UInt64 { changes.load(ordering: .acquiring) }

    /// The registered heaps in registration order (what `/dev/dma_heap/` lists).
    public var heaps: [DMAHeap] { state.withLock { $0.heaps } }

    /// Names of the registered heaps, in registration order.
    public var names: [String] { heaps.map(\.name) }

    /// The heap with that minor, for opening `/dev/dma_heap/…` by device number.
    public func heap(minor: Int) -> DMAHeap? {
        state.withLock { $0.heaps.first { $0.minor == minor } }
    }

    /// `dma_heap_buffer_alloc`: the framework's checks in the kernel's order, then the heap:
    /// `fd_flags` outside `O_CLOEXEC | O_ACCMODE` → `EINVAL`; any `heap_flags` bit → `EINVAL`;
    /// `PAGE_ALIGN(len) == 0` (zero, or wrapped past 2^64) → `EINVAL`; then the heap's own
    /// answer. A heap's error is passed through.
    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags = []) throws(Errno) -> DMABuf {
        guard fdFlags.subtracting(.dmaHeapValidFDFlags).isEmpty else { throw .invalidArgument }
        guard heapFlags.subtracting(.valid).isEmpty else { throw .invalidArgument }
        guard let aligned = pageAlignUp(length), aligned != 0 else { throw .invalidArgument }
        return try heap.ops.allocate(heap, length: aligned, fdFlags: fdFlags, heapFlags: heapFlags)
    }
}
