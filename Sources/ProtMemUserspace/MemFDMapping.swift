import ProtMemMemory
import Synchronization

/// A mapping of a memfd, or of anonymous memory (which the model backs with a memfd of its
/// own, as shared anonymous memory is in the kernel).
///
/// A shared mapping loads and stores the file's pages directly. A private one copies a page
/// the first time it is written (copy on write), so its stores never reach the file; the
/// copies live with the mapping and go when it is unmapped.
final class MemFDMapping: Sendable {
    let memfd: MemFD
    /// Byte offset of the mapping's first byte in the file.
    let fileOffset: UInt64
    let length: UInt64
    let shared: Bool
    /// Counted in the memfd's `i_mmap_writable` (a shared mapping that could be made writable).
    let mayWrite: Bool

    private let privatePages = Mutex<[UInt64: [UInt8]]>([:])

    init(memfd: MemFD, fileOffset: UInt64, length: UInt64, shared: Bool, mayWrite: Bool) {
        self.memfd = memfd
        self.fileOffset = fileOffset
        self.length = length
        self.shared = shared
        self.mayWrite = shared && mayWrite
        if self.mayWrite { memfd.mapShared(mayWrite: true) }
    }

    func unmap() {
        if mayWrite { memfd.unmapShared(mayWrite: true) }
        privatePages.withLock { $0 = [:] }
    }

    func read(at offset: UInt64, count: UInt64) throws(Errno) -> [UInt8] {
        var bytes = try memfd.read(at: fileOffset + offset, count: count)
        guard !shared else { return bytes }
        let copies = privatePages.withLock { $0 }
        for (page, content) in copies {
            let pageStart = page << pageShift
            let lo = max(pageStart, offset), hi = min(pageStart + pageSize, offset + count)
            guard lo < hi else { continue }
            bytes.replaceSubrange(Int(lo - offset)..<Int(hi - offset), with: content[Int(lo - pageStart)..<Int(hi - pageStart)])
        }
        return bytes
    }

    func write(at offset: UInt64, bytes: [UInt8]) throws(Errno) {
        if shared {
            try memfd.write(at: fileOffset + offset, bytes: bytes)
            return
        }
        guard !bytes.isEmpty else { return }
        let first = offset >> pageShift, last = (offset + UInt64(bytes.count) - 1) >> pageShift
        for page in first...last where privatePages.withLock({ $0[page] == nil }) {
            let copy = try memfd.read(at: fileOffset + (page << pageShift), count: pageSize)
            privatePages.withLock { if $0[page] == nil { $0[page] = copy } }
        }
        privatePages.withLock { pages in
            var position = offset, consumed = 0
            while consumed < bytes.count {
                let page = position >> pageShift, inPage = Int(position & (pageSize - 1))
                let chunk = min(Int(pageSize) - inPage, bytes.count - consumed)
                pages[page]!.replaceSubrange(inPage..<(inPage + chunk), with: bytes[consumed..<(consumed + chunk)])
                consumed += chunk
                position += UInt64(chunk)
            }
        }
    }
}
