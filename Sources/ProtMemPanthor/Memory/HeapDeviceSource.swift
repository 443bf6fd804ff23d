import ProtMemDMABuf
import ProtMemMemory

/// Design 3: the GPU node points at a heap device by phandle, and the board hands the driver
/// a typed reference to that heap: no lookup by name, no cast of a device's private data (what
/// Florent Tomasin was wary of in the RFC thread).
///
/// The reference comes with the board's device link, so this source takes and drops no heap
/// reference of its own: the heap lives as long as the board does.
public final class HeapDeviceSource: ProtectedMemorySource {
    public let heap: DMAHeap
    let registry: DMAHeapRegistry
    let device: DMADevice

    public var design: ProtectedMemoryDesign { .heapDevice }
    public var name: String { "heap device \(heap.name)" }
    /// As ``HeapByNameSource/zeroesNewMemory``: trusted from the heap's contract.
    public var zeroesNewMemory: Bool { true }

    public init(heap: DMAHeap, registry: DMAHeapRegistry, device: DMADevice) {
        self.heap = heap
        self.registry = registry
        self.device = device
    }

    public func allocate(_ request: ProtectedMemoryRequest) throws(Errno) -> ProtectedAllocation {
        try DMABufImport.allocate(from: heap, registry: registry, request: request, device: device, origin: name)
    }

    public func release() {}
}
