import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// The memory of a kernel BO (`panthor_kernel_bo` over shmem): order-0 pages from the board's
/// page allocator, zeroed, with physically adjacent pages merged into one chunk.
final class KernelBuffer: Sendable {
    let size: UInt64
    let chunks: [PhysicalRange]
    private let pages: PageAllocator
    private let freed = Mutex(false)

    private init(size: UInt64, chunks: [PhysicalRange], pages: PageAllocator) {
        self.size = size
        self.chunks = chunks
        self.pages = pages
    }

    /// `size` bytes (whole pages) or `ENOMEM`, with nothing kept on failure.
    static func allocate(_ size: UInt64, from pages: PageAllocator) throws(Errno) -> KernelBuffer {
        guard size > 0, size & (pageSize - 1) == 0 else { throw .invalidArgument }
        var taken: [PhysicalRange] = []
        for _ in 0..<(size >> pageShift) {
            guard let page = pages.allocateZeroed(order: 0) else {
                for page in taken { try? pages.free(page) }
                throw .noMemory
            }
            taken.append(page)
        }
        var chunks: [PhysicalRange] = []
        for page in taken {
            if let last = chunks.last, last.end == page.base.rawValue {
                chunks[chunks.count - 1] = PhysicalRange(base: last.base, size: last.size + page.size)!
            } else {
                chunks.append(page)
            }
        }
        return KernelBuffer(size: size, chunks: chunks, pages: pages)
    }

    /// Returns every page; a second call does nothing.
    func free() {
        let first = freed.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for chunk in chunks {
            var offset: UInt64 = 0
            while offset < chunk.size {
                try? pages.free(PhysicalRange(base: PhysicalAddress(chunk.base.rawValue + offset), size: pageSize)!)
                offset += pageSize
            }
        }
    }
}
