import ProtMemDMABuf
import ProtMemMemory

/// What the GPU driver's probe found for protected memory.
public enum GPUProtectedMemory: Sendable {
    /// No design: the GPU runs without protected mode.
    case none
    /// A heap (by name or through a heap device), with the reference `dma_heap_find` took:
    /// the caller puts it (`dma_heap_put`) when the driver unbinds.
    case heap(DMAHeap)
    /// A reserved region the driver allocates from itself.
    case region(name: String, range: PhysicalRange)
}

extension Board {
    /// The GPU driver's probe step for protected memory, per design: look the heap up (by the
    /// name in the node, or the name the heap device exports) and defer probe
    /// (`EPROBE_DEFER`) while it is not registered; or take the reserved region.
    public func probeProtectedMemory(for gpu: GPUConfiguration) throws(Errno) -> GPUProtectedMemory {
        switch gpu.design {
        case .none:
            return .none
        case .heapName(let name):
            guard let heap = heaps.find(name) else { throw .probeDefer }
            return .heap(heap)
        case .heapDevice(let device):
            guard let heap = heaps.find(device.heapName) else { throw .probeDefer }
            return .heap(heap)
        case .reservedRegion(let name, let range):
            return .region(name: name, range: range)
        }
    }
}
