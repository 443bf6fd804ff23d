import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// Design 1: the heap the GPU node names (`protected-heap-name`), found with `dma_heap_find`.
///
/// As RFC patch 3 and the 2026 series: a heap that is not registered yet defers the probe
/// (`EPROBE_DEFER`); the found heap is kept with its reference until ``release()`` puts it
/// (`dma_heap_put` on unplug and on the probe's error paths).
public final class HeapByNameSource: ProtectedMemorySource {
    public let heapName: String
    public let heap: DMAHeap
    let registry: DMAHeapRegistry
    let device: DMADevice
    private let released = Mutex(false)

    public var design: ProtectedMemoryDesign { .heapByName }
    public var name: String { "heap \(heapName)" }
    /// Every protected heap in the model hands out scrubbed memory (the carve-out scrubs at init
    /// and on free, OP-TEE's pools scrub on free); the driver trusts the heap for it, which is
    /// what the RFC's heap path effectively relies on.
    public var zeroesNewMemory: Bool { true }

    private init(heapName: String, heap: DMAHeap, registry: DMAHeapRegistry, device: DMADevice) {
        self.heapName = heapName
        self.heap = heap
        self.registry = registry
        self.device = device
    }

    /// `dma_heap_find(name)`: the source holding the heap's reference, or `EPROBE_DEFER` when
    /// no heap of that name is registered yet. An empty name is `EINVAL` (a property with no
    /// value is a broken device tree, not a heap still to come).
    public static func find(_ heapName: String, in registry: DMAHeapRegistry, device: DMADevice,
                            matching: (String, String) -> Bool = { $0 == $1 }) throws(Errno) -> HeapByNameSource {
        guard !heapName.isEmpty else { throw .invalidArgument }
        guard let registered = registry.names.first(where: { matching($0, heapName) }), let heap = registry.find(registered) else { throw .probeDefer }
        return HeapByNameSource(heapName: registered, heap: heap, registry: registry, device: device)
    }

    public func allocate(_ request: ProtectedMemoryRequest) throws(Errno) -> ProtectedAllocation {
        guard !released.withLock({ $0 }) else { throw .noSuchDevice }
        return try DMABufImport.allocate(from: heap, registry: registry, request: request, device: device, origin: name)
    }

    public func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { registry.put(heap) }
    }
}
