import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// A memfd: the shmem inode behind `memfd_create`, with its size, seals and pages.
///
/// Pages come from the board's page allocator when first touched (a store, a load through a
/// mapping, or a udmabuf pinning them), zeroed, so they are ordinary RAM on the bus and count
/// against the system heap's free bytes as they would on a real system. Every access goes
/// over the bus as the non-secure CPU.
///
/// The inode lives while an open file refers to it (its descriptors, and the mappings that
/// hold those files). When the last goes the page cache lets go of every page; a page a
/// udmabuf has pinned stays until the udmabuf is released (see ``MemFDFrame``).
public final class MemFD: Sendable, CustomStringConvertible {
    /// The size `MAX_LFS_FILESIZE` allows; `ftruncate` beyond it is `EINVAL` (`off_t` is signed).
    public static let maximumSize = UInt64(Int64.max)

    public let name: String
    public let inode: UInt64
    let pages: PageAllocator

    struct State {
        var size: UInt64 = 0
        var seals: MemFDSeals
        /// The page cache: page index → frame, each holding one reference.
        var frames: [UInt64: MemFDFrame] = [:]
        /// Open files referring to the inode.
        var files = 1
        /// Shared mappings that may become writable (`i_mmap_writable`).
        var writableSharedMappings = 0
        /// The inode's mode has exec bits (memfds are created executable unless
        /// `MFD_NOEXEC_SEAL`).
        var executable: Bool
    }

    let state: Mutex<State>

    init(name: String, inode: UInt64, pages: PageAllocator, seals: MemFDSeals, executable: Bool) {
        self.name = name
        self.inode = inode
        self.pages = pages
        self.state = Mutex(State(seals: seals, executable: executable))
    }

    public var size: UInt64 { state.withLock { $0.size } }
    public var seals: MemFDSeals { state.withLock { $0.seals } }
    /// Pages the memfd holds now.
    public var residentPages: Int { state.withLock { $0.frames.count } }

    public var description: String { "memfd:\(name) (ino \(inode), \(size) bytes)" }

    // MARK: Inode references

    func retain() { state.withLock { $0.files += 1 } }

    /// The last open file is gone: truncate the page cache (`evict` of an unlinked inode).
    func release() {
        let dropped = state.withLock { state -> [MemFDFrame] in
            state.files -= 1
            precondition(state.files >= 0, "memfd \(inode) released too often")
            guard state.files == 0 else { return [] }
            defer { state.frames = [:] }
            return Array(state.frames.values)
        }
        for frame in dropped { frame.put() }
    }

    // MARK: Size and seals

    /// `ftruncate`: `EPERM` when a seal forbids the change; pages past a new, smaller end
    /// leave the page cache.
    func truncate(to length: UInt64) throws(Errno) {
        guard length <= Self.maximumSize else { throw .invalidArgument }
        let dropped = try state.withLock { state throws(Errno) -> [MemFDFrame] in
            if length < state.size, state.seals.contains(.shrink) { throw .notPermitted }
            if length > state.size, state.seals.contains(.grow) { throw .notPermitted }
            state.size = length
            let keep = (length + pageSize - 1) >> pageShift
            let gone = state.frames.filter { $0.key >= keep }
            for index in gone.keys { state.frames[index] = nil }
            return Array(gone.values)
        }
        for frame in dropped { frame.put() }
        // A partial last page keeps its tail zero, as shmem_truncate_range zeroes it.
        if length & (pageSize - 1) != 0, let frame = state.withLock({ $0.frames[length >> pageShift] }) {
            let offset = length & (pageSize - 1)
            try? pages.bus.fill(.cpuNonSecure, PhysicalRange(base: frame.range.base.advanced(by: offset)!, size: pageSize - offset)!, with: 0)
        }
    }

    /// `memfd_add_seals` after the file checks: `EINVAL` for unknown bits, `EPERM` once
    /// `F_SEAL_SEAL` is set, `EBUSY` for a write seal while a shared mapping may write or a
    /// page is pinned (`mapping_deny_writable`, `memfd_wait_for_pins`).
    func addSeals(_ seals: MemFDSeals) throws(Errno) {
        guard MemFDSeals.all.isSuperset(of: seals) else { throw .invalidArgument }
        try state.withLock { state throws(Errno) in
            guard !state.seals.contains(.seal) else { throw .notPermitted }
            var adding = seals
            if adding.contains(.exec), state.executable {
                adding.formUnion([.shrink, .grow, .write, .futureWrite])
            }
            if adding.contains(.write), !state.seals.contains(.write) {
                if state.writableSharedMappings > 0 { throw .resourceBusy }
                if state.frames.values.contains(where: \.isPinned) { throw .resourceBusy }
            }
            state.seals.formUnion(adding)
        }
    }

    func mapShared(mayWrite: Bool) {
        if mayWrite { state.withLock { $0.writableSharedMappings += 1 } }
    }

    func unmapShared(mayWrite: Bool) {
        if mayWrite { state.withLock { $0.writableSharedMappings -= 1 } }
    }

    // MARK: Pages

    /// The frame of page `index`, allocated (zeroed) when absent; `nil` past the end of the
    /// file. `ENOMEM` when the allocator has no page.
    private func frame(_ index: UInt64) throws(Errno) -> MemFDFrame? {
        try state.withLock { state throws(Errno) -> MemFDFrame? in
            guard index < (state.size + pageSize - 1) >> pageShift else { return nil }
            if let frame = state.frames[index] { return frame }
            guard let frame = MemFDFrame.allocate(from: pages) else { throw .noMemory }
            state.frames[index] = frame
            return frame
        }
    }

    /// `memfd_pin_folios`: every page of `[offset, offset + size)`, each with a pin the caller
    /// must `put`. `EINVAL` when the range runs past the end of the file, `ENOMEM` when a page
    /// cannot be allocated; either way nothing stays pinned.
    func pin(offset: UInt64, size: UInt64) throws(Errno) -> [MemFDFrame] {
        let first = offset >> pageShift
        let count = size >> pageShift
        var pinned: [MemFDFrame] = []
        for index in 0..<count {
            do throws(Errno) {
                guard let frame = try frame(first + index) else { throw .invalidArgument }
                frame.get()
                pinned.append(frame)
            } catch {
                for frame in pinned { frame.put() }
                throw error
            }
        }
        return pinned
    }

    /// Loads `count` bytes at byte `offset` of the file through the bus. `EFAULT` past the
    /// last page of the file (where a mapping would take `SIGBUS`) or when no page can be had.
    func read(at offset: UInt64, count: UInt64) throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(Int(count))
        try forEachPage(offset, count) { frame, inPage, length throws(Errno) in
            do {
                result += try pages.bus.read(.cpuNonSecure, PhysicalRange(base: frame.range.base.advanced(by: inPage)!, size: length)!)
            } catch {
                throw .badAddress
            }
        }
        return result
    }

    /// read(2)'s view of `[offset, offset + count)`, which must lie inside the file: the
    /// pages the file has, read through the bus, and zeros for its holes, which stay holes
    /// (`shmem_file_read_iter` copies the zero page for a page not in the cache; only a fault
    /// through a mapping allocates one). `EFAULT` when a page cannot be read.
    func readFile(at offset: UInt64, count: UInt64) throws(Errno) -> [UInt8] {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow else { throw .badAddress }
        var result: [UInt8] = []
        result.reserveCapacity(Int(count))
        var position = offset
        while position < end {
            let inPage = position & (pageSize - 1)
            let length = min(pageSize - inPage, end - position)
            if let frame = state.withLock({ $0.frames[position >> pageShift] }) {
                do {
                    result += try pages.bus.read(.cpuNonSecure, PhysicalRange(base: frame.range.base.advanced(by: inPage)!, size: length)!)
                } catch {
                    throw .badAddress
                }
            } else {
                result += repeatElement(0, count: Int(length))
            }
            position += length
        }
        return result
    }

    /// Stores `bytes` at byte `offset` of the file through the bus; `EFAULT` as for reads.
    func write(at offset: UInt64, bytes: [UInt8]) throws(Errno) {
        var consumed = 0
        try forEachPage(offset, UInt64(bytes.count)) { frame, inPage, length throws(Errno) in
            let chunk = Array(bytes[consumed..<(consumed + Int(length))])
            do {
                try pages.bus.write(.cpuNonSecure, at: frame.range.base.advanced(by: inPage)!, bytes: chunk)
            } catch {
                throw .badAddress
            }
            consumed += Int(length)
        }
    }

    private func forEachPage(_ offset: UInt64, _ count: UInt64, _ body: (MemFDFrame, UInt64, UInt64) throws(Errno) -> Void) throws(Errno) {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow else { throw .badAddress }
        var position = offset
        while position < end {
            let inPage = position & (pageSize - 1)
            let length = min(pageSize - inPage, end - position)
            let found: MemFDFrame?
            do throws(Errno) {
                found = try frame(position >> pageShift)
            } catch {
                throw .badAddress
            }
            guard let frame = found else { throw .badAddress }
            try body(frame, inPage, length)
            position += length
        }
    }
}
