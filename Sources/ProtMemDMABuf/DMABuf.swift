import ProtMemMemory
import Synchronization

/// `DMA_BUF_NAME_LEN`: a name is at most 31 bytes plus its NUL.
public let dmaBufNameLength = 32

/// A dma-buf: `struct dma_buf` and the `struct file` that carries its reference count.
///
/// ## Lifecycle
/// The kernel documents the sharing protocol once; the model follows it step for step:
/// 1. **export**: a heap (the exporter) creates the buffer with one reference
///    (``export(_:size:fileFlags:list:)``); it appears in ``DMABufList``.
/// 2. **fd**: userspace gets a descriptor for that reference (the userspace layer).
/// 3. **get**: an importer takes its own reference (``get()``).
/// 4. **attach**: the importer attaches its device (``attach(_:)``), getting a
///    ``DMABufAttachment`` of its own.
/// 5. **map**: it maps the attachment for DMA in a direction and gets a scatter list.
/// 6. **unmap**: it unmaps when the DMA is done.
/// 7. **detach**: it detaches the device.
/// 8. **put**: it drops its reference (``put()``); the last put runs the exporter's
///    `release` exactly once and removes the buffer from the list.
///
/// The kernel leaves it to the importer to hold a reference from attach to detach and from
/// vmap to vunmap: an importer that puts first is a use-after-free, and a live vmap at
/// release is a `BUG()`. The model makes those states unreachable instead: an attachment and
/// a kernel mapping each *pin* the buffer, so it is released exactly when the last of its
/// references (``referenceCount``, which counts CPU mappings as the kernel's `f_count` does)
/// and pins goes, in whatever order they are dropped. Pins are not shown in ``referenceCount``,
/// so `bufinfo` prints the count the kernel would. Once the count reaches zero no reference
/// can be taken again (`EBADF`), and every operation on a released buffer answers `EBADF`:
/// there is no file left to name it.
///
/// Thread-safety: every method may be called from any thread.
public final class DMABuf: Sendable, CustomStringConvertible {
    /// The buffer's length in bytes, a whole number of pages.
    public let size: UInt64
    /// The exporter operations and private data.
    public let exporter: any DMABufExporter
    /// `exp_name`
    public let exporterName: String
    /// The inode number of the buffer's file, unique per ``DMABufList``.
    public let inode: UInt64
    /// `file->f_flags` as `bufinfo` prints them: the access mode and `O_NONBLOCK` of the
    /// `fd_flags` the buffer was exported with. Only `O_NONBLOCK` changes afterwards (with
    /// `FIONBIO` on any descriptor of the buffer's file).
    public var fileFlags: OpenFlags { state.withLock { $0.fileFlags } }
    /// `file->f_mode` as `bufinfo` prints it.
    public let fileMode: UInt32
    /// The list this buffer is accounted in, and through it the bus CPU mappings use.
    public let list: DMABufList
    /// The heap it was allocated from, when it came from one.
    public let heapName: String?

    struct State {
        /// `file->f_flags`
        var fileFlags: OpenFlags
        /// `file_count(dmabuf->file)`: references and CPU mappings.
        var count = 1
        /// Attachments and kernel mappings: holds the kernel leaves to its callers.
        var pins = 0
        var released = false
        var name: String?
        /// Newest first, as `list_add` keeps `dmabuf->attachments`.
        var attachments: [DMABufAttachment] = []
        var vmapCount = 0
        var vmapTable: SGTable?
        var mmapCount = 0
    }

    let state: Mutex<State>

    private init(exporter: any DMABufExporter, size: UInt64, fileFlags: OpenFlags, list: DMABufList, heapName: String?) {
        self.exporter = exporter
        self.heapName = heapName
        self.exporterName = exporter.exporterName
        self.size = size
        self.state = Mutex(State(fileFlags: DMABufList.fileFlags(for: fileFlags)))
        self.fileMode = DMABufList.fileMode(for: fileFlags)
        self.list = list
        self.inode = list.nextInode()
    }

    /// `dma_buf_export`: wraps an exporter's backing in a new buffer holding one reference.
    /// `size` must be a non-zero whole number of pages (the heaps have already rounded it).
    public static func export(_ exporter: any DMABufExporter, size: UInt64, fileFlags: OpenFlags, list: DMABufList, heapName: String? = nil) throws(Errno) -> DMABuf {
        guard size > 0, size & (pageSize - 1) == 0 else { throw .invalidArgument }
        let buffer = DMABuf(exporter: exporter, size: size, fileFlags: fileFlags, list: list, heapName: heapName)
        list.add(buffer)
        return buffer
    }

    // MARK: References

    /// `get_dma_buf`: takes another reference. `EBADF` once the buffer is released.
    public func get() throws(Errno) {
        try state.withLock { state throws(Errno) in
            guard !state.released, state.count > 0 else { throw .badFileDescriptor }
            state.count += 1
        }
    }

    /// Takes a pin for an attachment or a kernel mapping. `EBADF` once released.
    func pin() throws(Errno) {
        try state.withLock { state throws(Errno) in
            guard !state.released else { throw .badFileDescriptor }
            state.pins += 1
        }
    }

    /// `dma_buf_put`: drops a reference; the last one releases the buffer.
    public func put() throws(Errno) {
        try drop(pin: false) { state throws(Errno) in
            guard !state.released, state.count > 0 else { throw .badFileDescriptor }
        }
    }

    /// Drops one reference (or one pin) after `update` has run under the lock; releases the
    /// buffer when nothing holds it any more.
    func drop(pin: Bool, _ update: (inout State) throws(Errno) -> Void) throws(Errno) {
        let last = try state.withLock { state throws(Errno) -> Bool in
            try update(&state)
            if pin { state.pins -= 1 } else { state.count -= 1 }
            precondition(state.count >= 0 && state.pins >= 0, "dma-buf reference count underflow")
            if state.count == 0 && state.pins == 0 {
                state.released = true
                return true
            }
            return false
        }
        if last {
            exporter.release()
            list.remove(self)
        }
    }

    /// `file_count()`: live references and CPU mappings, as `bufinfo` prints it.
    public var referenceCount: Int { state.withLock { $0.count } }
    /// Attachments and kernel mappings that keep the buffer alive besides its references.
    public var pinCount: Int { state.withLock { $0.pins } }
    public var isReleased: Bool { state.withLock { $0.released } }

    /// `FIONBIO` on a descriptor of this buffer's file: sets or clears `O_NONBLOCK` in
    /// `f_flags`, which every descriptor of the file shares.
    package func setNonBlocking(_ on: Bool) {
        state.withLock { state in
            if on { state.fileFlags.insert(.nonBlocking) } else { state.fileFlags.remove(.nonBlocking) }
        }
    }

    // MARK: Name

    /// The name set with `DMA_BUF_SET_NAME`, `nil` until one is set.
    public var name: String? { state.withLock { $0.name } }

    /// `dma_buf_set_name`: the name is copied as `strndup_user(buf, DMA_BUF_NAME_LEN)` does,
    /// so it stops at the first NUL and may hold at most 31 bytes, else `EINVAL`. An empty
    /// name is a name (not "no name").
    public func setName(_ newName: String) throws(Errno) {
        var bytes = Array(newName.utf8)
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        guard bytes.count < dmaBufNameLength else { throw .invalidArgument }
        let stored = String(decoding: bytes, as: UTF8.self)
        try state.withLock { state throws(Errno) in
            guard !state.released else { throw .badFileDescriptor }
            state.name = stored
        }
    }

    public var description: String {
        "dma-buf ino \(inode) (\(exporterName), \(size) bytes)"
    }
}
