import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemPanthor
import Synchronization

/// The userspace side of one modelled kernel: its file system, its devices, and the
/// processes that use them.
///
/// Processes reach the board only through system calls: open a device node, ioctl it, mmap
/// what it gives back, pass descriptors to each other, exit. The answers are the kernel's,
/// check for check and errno for errno (kernel-interfaces.md §1, §6 and §9).
///
/// Thread-safety: every method may be called from any thread; each process serialises its
/// own descriptor table and address space.
public final class Userspace: Sendable {
    public let board: Board
    public let devices: DeviceFilesystem
    public let udmabuf: UDMABufDevice
    let kernel: Kernel

    private struct State {
        var nextPID: Int32 = 100
        var processes: [ProcessID: UserProcess] = [:]
    }

    private let state = Mutex(State())

    /// `udmabufSizeLimitMB` is the udmabuf module's `size_limit_mb` parameter. With `gpu`
    /// (the board's Panthor GPU, probed by the caller) `/dev/dri/renderD128` reaches it.
    public init(board: Board, udmabufSizeLimitMB: UInt64 = UDMABufDevice.defaultSizeLimitMB, gpu: PanthorDevice? = nil) {
        self.board = board
        self.devices = DeviceFilesystem(heaps: board.heaps, hasRenderNode: gpu != nil)
        self.udmabuf = UDMABufDevice(list: board.dmaBufs, sizeLimitMB: udmabufSizeLimitMB)
        self.kernel = Kernel(board: board, devices: devices, udmabuf: udmabuf, gpu: gpu)
    }

    /// A new process with descriptors 0, 1 and 2 open on `/dev/null`, as a daemon has them.
    public func spawn(name: String = "app") -> UserProcess {
        let process = state.withLock { state -> UserProcess in
            let pid = ProcessID(rawValue: state.nextPID)
            state.nextPID += 1
            let process = UserProcess(pid: pid, name: name, kernel: kernel) { [weak self] pid in
                self?.state.withLock { _ = $0.processes.removeValue(forKey: pid) }
            }
            state.processes[pid] = process
            return process
        }
        process.openStandardStreams()
        return process
    }

    /// The processes that have not exited, by pid.
    public var processes: [UserProcess] {
        state.withLock { $0.processes.values.sorted { $0.pid < $1.pid } }
    }

    /// debugfs `dma_buf/bufinfo`: every buffer any process (or the kernel) holds.
    public func bufinfo() -> String { board.dmaBufs.bufinfo() }

    /// Checks the board's invariants and that every live dma-buf's `file_count` covers the
    /// descriptors and mappings the processes hold on it.
    public func _checkInvariants() {
        board._checkInvariants()
        var held: [UInt64: Int] = [:]
        for process in processes {
            for (inode, count) in process._fileHolds() { held[inode, default: 0] += count }
        }
        for buffer in board.dmaBufs.buffers {
            precondition(buffer.referenceCount >= held[buffer.inode, default: 0],
                         "\(buffer): file_count \(buffer.referenceCount) below the \(held[buffer.inode, default: 0]) descriptors and mappings that hold it")
        }
    }
}

/// What system calls reach: the board's kernel objects, the file system and the devices,
/// and the counters that number new files.
final class Kernel: Sendable {
    let board: Board
    let devices: DeviceFilesystem
    let udmabuf: UDMABufDevice
    /// `get_next_ino()` for shmem inodes.
    private let nextShmemInode = Mutex<UInt64>(2048)

    /// The GPU behind `/dev/dri/renderD128`, when the userspace has one.
    let gpu: PanthorDevice?

    init(board: Board, devices: DeviceFilesystem, udmabuf: UDMABufDevice, gpu: PanthorDevice?) {
        self.board = board
        self.devices = devices
        self.udmabuf = udmabuf
        self.gpu = gpu
    }

    var heaps: DMAHeapRegistry { board.heaps }
    var pages: PageAllocator { board.pageAllocator }

    func newShmemInode() -> UInt64 {
        nextShmemInode.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}
