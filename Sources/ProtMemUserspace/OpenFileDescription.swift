import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// `file->f_mode` bits the model uses (`include/linux/fs.h`).
public struct FileMode: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let read = FileMode(rawValue: 0x1)
    public static let write = FileMode(rawValue: 0x2)
    public static let lseek = FileMode(rawValue: 0x4)
    public static let pread = FileMode(rawValue: 0x8)
    public static let pwrite = FileMode(rawValue: 0x10)
    /// `FMODE_PATH`: an `O_PATH` descriptor, which names a file but cannot operate on it.
    public static let path = FileMode(rawValue: 0x4000)
    public static let opened = FileMode(rawValue: 0x80000)

    /// `OPEN_FMODE(flags)`: the access mode becomes read and write bits (`O_RDONLY` → read,
    /// `O_WRONLY` → write, `O_RDWR` → both, the odd mode 3 → neither).
    public static func open(_ flags: OpenFlags) -> FileMode {
        FileMode(rawValue: (flags.accessMode.rawValue &+ 1) & 0o3)
    }
}

/// What an open file description refers to: the `private_data` and `f_op` of a `struct file`.
public enum FileObject: Sendable {
    /// `/dev/dma_heap/<name>`
    case dmaHeap(DMAHeap)
    /// A dma-buf's own file.
    case dmaBuf(DMABuf)
    /// `/dev/udmabuf`
    case udmabufDevice(UDMABufDevice)
    /// A memfd (a shmem file).
    case memfd(MemFD)
    /// A `sync_file` from `DMA_BUF_IOCTL_EXPORT_SYNC_FILE`.
    case syncFile(SyncFile)
    /// `/dev/dri/renderD128`: one `drm_file` of the Panthor GPU.
    case drmRender(PanthorRenderFile)
    /// `/dev/null`
    case null
    /// A directory opened read-only.
    case directory(String)
    /// An `O_PATH` descriptor of a node: it names the node but cannot operate on it.
    case path(DeviceNode)
}

/// An open file description: `struct file`. Descriptors made by `dup` or passed to another
/// process share it, and with it the access mode, the status flags and the reference count.
///
/// Its reference count is `file_count()`: one per descriptor in any process, one per memory
/// mapping, one per kernel hold. A dma-buf is the exception that proves the rule: the
/// buffer *is* its file in the kernel, so the count lives in ``DMABuf`` (which CPU mappings
/// already count) and this object forwards to it; `bufinfo` and `fdinfo` then print the
/// same number.
public final class OpenFileDescription: Sendable, CustomStringConvertible {
    public let object: FileObject
    /// The name `/proc/<pid>/fd/<n>` links to.
    public let path: String
    /// `file_inode(file)->i_ino`
    public let inode: UInt64
    /// The id of the mount the file lives on, as `fdinfo`'s `mnt_id` prints it.
    public let mountID: Int
    /// `f_mode`
    public let mode: FileMode

    private struct State {
        var flags: OpenFlags
        var count = 1
        /// `f_pos`
        var position: UInt64 = 0
    }

    private let state: Mutex<State>

    init(object: FileObject, path: String, inode: UInt64, mountID: Int, mode: FileMode, flags: OpenFlags) {
        self.object = object
        self.path = path
        self.inode = inode
        self.mountID = mountID
        self.mode = mode
        self.state = Mutex(State(flags: flags))
    }

    /// The file of a freshly exported dma-buf, carrying the export's reference.
    static func dmaBuf(_ buffer: DMABuf) -> OpenFileDescription {
        OpenFileDescription(object: .dmaBuf(buffer), path: "/dmabuf:", inode: buffer.inode, mountID: MountID.dmaBuf,
                            mode: FileMode(rawValue: buffer.fileMode), flags: buffer.fileFlags)
    }

    /// `f_flags`: the access mode and status flags (never `O_CLOEXEC`, which belongs to the
    /// descriptor, not the file).
    public var flags: OpenFlags {
        if case .dmaBuf(let buffer) = object { return buffer.fileFlags }
        return state.withLock { $0.flags }
    }

    /// `file_count()`
    public var referenceCount: Int {
        if case .dmaBuf(let buffer) = object { return buffer.referenceCount }
        return state.withLock { $0.count }
    }

    public var isPath: Bool { mode.contains(.path) }

    /// `f_pos`, as `fdinfo` prints it. Only memfds move it: `dma_buf_llseek` answers without
    /// setting it.
    public var position: UInt64 { state.withLock { $0.position } }

    func setPosition(_ position: UInt64) {
        state.withLock { $0.position = position }
    }

    /// `get_file`: one more descriptor, mapping or kernel hold.
    func retain() throws(Errno) {
        if case .dmaBuf(let buffer) = object {
            try buffer.get()
            return
        }
        try state.withLock { state throws(Errno) in
            guard state.count > 0 else { throw .badFileDescriptor }
            state.count += 1
        }
    }

    /// `fput`: the last reference releases what the file holds.
    func release() {
        if case .dmaBuf(let buffer) = object {
            try? buffer.put()
            return
        }
        let last = state.withLock { state -> Bool in
            precondition(state.count > 0, "fput on a file with no references: \(self)")
            state.count -= 1
            return state.count == 0
        }
        guard last else { return }
        if case .memfd(let memfd) = object { memfd.release() }
        if case .drmRender(let file) = object { file.release() }
    }

    /// `FIONBIO`: sets or clears `O_NONBLOCK` for every descriptor of this file.
    func setNonBlocking(_ on: Bool) {
        if case .dmaBuf(let buffer) = object {
            buffer.setNonBlocking(on)
            return
        }
        state.withLock { state in
            if on { state.flags.insert(.nonBlocking) } else { state.flags.remove(.nonBlocking) }
        }
    }

    public var description: String { "file \(path) (ino \(inode))" }
}

/// The mounts files live on, as `fdinfo` prints `mnt_id`. The kernel numbers mounts in the
/// order it makes them; these are the model's fixed choices.
enum MountID {
    static let anonInode = 15
    static let dmaBuf = 16
    static let shmem = 17
    static let devtmpfs = 24
    static let root = 25
}
