import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// What one mmap(2) call mapped, shared by the pieces a partial munmap splits it into.
///
/// Each piece is a `vm_area_struct` and holds a reference to the mapped file (`vm_file`), as
/// the kernel's `vma` split takes one with `get_file`; so a dma-buf's `count` in `fdinfo`
/// and `bufinfo` grows by one when a munmap cuts a hole in the middle of a mapping. The last
/// piece to go unmaps the object.
final class MappedObject: Sendable {
    enum Backing: Sendable {
        /// A dma-buf's CPU mapping, which holds the buffer's file reference itself.
        case dmaBuf(DMABufCPUMapping)
        /// A memfd (or anonymous shared memory) mapping, holding `file`.
        case memfd(MemFDMapping, file: OpenFileDescription)
    }

    let backing: Backing
    private let pieces = Mutex(1)

    init(_ backing: Backing) {
        self.backing = backing
    }

    /// A split: one more piece, one more file reference.
    func addPiece() throws(Errno) {
        switch backing {
        case .dmaBuf(let mapping): try mapping.buffer.get()
        case .memfd(_, let file): try file.retain()
        }
        pieces.withLock { $0 += 1 }
    }

    /// One piece unmapped; the last unmaps the object.
    func dropPiece() {
        let last = pieces.withLock { count -> Bool in
            count -= 1
            return count == 0
        }
        switch backing {
        case .dmaBuf(let mapping):
            if last { try? mapping.unmap() } else { try? mapping.buffer.put() }
        case .memfd(let mapping, let file):
            if last { mapping.unmap() }
            file.release()
        }
    }

    /// Loads through the mapping; any failure is a fault (`EFAULT`).
    func read(at offset: UInt64, count: UInt64) throws(Errno) -> [UInt8] {
        switch backing {
        case .dmaBuf(let mapping):
            do { return try mapping.read(at: offset, count: count) } catch { throw .badAddress }
        case .memfd(let mapping, _):
            return try mapping.read(at: offset, count: count)
        }
    }

    func write(at offset: UInt64, bytes: [UInt8]) throws(Errno) {
        switch backing {
        case .dmaBuf(let mapping):
            do { try mapping.write(at: offset, bytes: bytes) } catch { throw .badAddress }
        case .memfd(let mapping, _):
            try mapping.write(at: offset, bytes: bytes)
        }
    }
}
