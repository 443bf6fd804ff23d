#if canImport(Glibc)
import ProtMemMemory

/// `/dev/dma_heap/`: one character device per heap the kernel registered, named as the heap
/// (`system`, `default_cma_region`, `reserved`, ...). The list is the directory's, as
/// libdmabufheap's `BufferAllocator::GetDmabufHeapList` reads it.
public enum DMAHeapDirectory {
    /// Where the kernel's `dma_heap` class puts its nodes.
    public static let path = "/dev/dma_heap"

    /// The heap names in `directory`, sorted; `ENOENT` when the kernel has no heaps (the
    /// directory exists only once one registered) or was built without `CONFIG_DMABUF_HEAPS`.
    public static func heapNames(in directory: String = path) throws(Errno) -> [String] {
        try LinuxSyscalls.directoryEntries(directory).get().sorted()
    }
}
#endif
