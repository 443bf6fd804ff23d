import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// One page of a memfd: a page frame from the board's page allocator with a reference count
/// (`folio_get`/`folio_put`). The memfd's page cache holds one reference; each udmabuf that
/// pins the page holds another, so a pinned page outlives the memfd's file and goes back to
/// the allocator only when the last holder lets go.
final class MemFDFrame: Sendable {
    let range: PhysicalRange
    private let pages: PageAllocator
    private let references = Mutex(1)

    /// A zeroed page (`__GFP_ZERO`), or `nil` when the allocator has none.
    static func allocate(from pages: PageAllocator) -> MemFDFrame? {
        guard let range = pages.allocateZeroed(order: 0) else { return nil }
        return MemFDFrame(range: range, pages: pages)
    }

    private init(range: PhysicalRange, pages: PageAllocator) {
        self.range = range
        self.pages = pages
    }

    func get() {
        references.withLock { count in
            precondition(count > 0, "folio_get on a freed page \(range)")
            count += 1
        }
    }

    func put() {
        let last = references.withLock { count -> Bool in
            precondition(count > 0, "folio_put on a freed page \(range)")
            count -= 1
            return count == 0
        }
        if last { try? pages.free(range) }
    }

    /// References beyond the page cache's: pins.
    var isPinned: Bool { references.withLock { $0 > 1 } }
}
