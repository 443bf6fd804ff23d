import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A process: a descriptor table and an address space, and the system calls that use them.
///
/// Every call answers as Linux's does, with Linux's errno; `ESRCH` once the process has
/// exited. Exit (and exec, for close-on-exec descriptors and every mapping) drops every
/// reference the process held, so whatever only it kept alive is released then.
public final class UserProcess: Sendable, CustomStringConvertible {
    public let pid: ProcessID
    public let name: String
    let kernel: Kernel
    private let onExit: @Sendable (ProcessID) -> Void

    struct State {
        var table = FileDescriptorTable()
        var space = AddressSpace()
        var exited = false
    }

    let state = Mutex(State())

    init(pid: ProcessID, name: String, kernel: Kernel, onExit: @escaping @Sendable (ProcessID) -> Void) {
        self.pid = pid
        self.name = name
        self.kernel = kernel
        self.onExit = onExit
    }

    public var description: String { "\(name) (\(pid))" }

    public var hasExited: Bool { state.withLock { $0.exited } }

    /// Runs `body` on the live state; `ESRCH` after exit.
    func live<T>(_ body: (inout State) throws(Errno) -> T) throws(Errno) -> T {
        try state.withLock { state throws(Errno) -> T in
            guard !state.exited else { throw .noSuchProcess }
            return try body(&state)
        }
    }

    func openStandardStreams() {
        for _ in 0..<3 {
            _ = try? open("/dev/null", flags: .readWrite)
        }
    }

    // MARK: Descriptors

    /// open(2). The descriptor is reserved first (`EMFILE` before any lookup), then the path
    /// is resolved and the device opened; see ``Kernel/openFile(_:flags:)`` for the answers.
    public func open(_ path: String, flags: OpenFlags) throws(Errno) -> FileDescriptor {
        try live { state throws(Errno) in
            guard state.table.openDescriptors.count < FileDescriptorTable.limit else { throw .tooManyOpenFiles }
        }
        let file = try kernel.openFile(path, flags: flags)
        return try install(file, closeOnExec: flags.contains(.closeOnExec))
    }

    /// close(2): `EBADF` when `fd` is not open.
    public func close(_ fd: FileDescriptor) throws(Errno) {
        let slot = try live { state throws(Errno) in
            guard let slot = state.table.remove(fd) else { throw .badFileDescriptor }
            return slot
        }
        slot.file.release()
    }

    /// dup(2): the lowest free descriptor, sharing the open file description, without
    /// close-on-exec.
    public func dup(_ fd: FileDescriptor) throws(Errno) -> FileDescriptor {
        let file = try fget(fd, allowPath: true)
        return try install(file, closeOnExec: false)
    }

    /// `fcntl(F_SETFD, FD_CLOEXEC)`
    public func setCloseOnExec(_ fd: FileDescriptor, _ on: Bool) throws(Errno) {
        try live { state throws(Errno) in
            guard state.table.setCloseOnExec(fd, on) else { throw .badFileDescriptor }
        }
    }

    /// `fcntl(F_GETFD) & FD_CLOEXEC`
    public func isCloseOnExec(_ fd: FileDescriptor) throws(Errno) -> Bool {
        try live { state throws(Errno) in
            guard let slot = state.table.slot(fd) else { throw .badFileDescriptor }
            return slot.closeOnExec
        }
    }

    /// The open file description `fd` refers to (for inspection), or `nil`.
    public func file(_ fd: FileDescriptor) -> OpenFileDescription? {
        state.withLock { $0.table.slot(fd)?.file }
    }

    /// The open descriptors, lowest first.
    public var openDescriptors: [FileDescriptor] { state.withLock { $0.table.openDescriptors } }

    /// Passes `fd` to `receiver` as an `SCM_RIGHTS` message over a Unix socket does: the
    /// receiver gets a new descriptor (the lowest it has free; close-on-exec when it asked
    /// with `MSG_CMSG_CLOEXEC`) for the same open file description. The sender keeps its own.
    ///
    /// The model delivers at once, so sendmsg and recvmsg are one call: `EBADF` for a
    /// descriptor the sender does not have, `ESRCH` when either process has exited, `EMFILE`
    /// when the receiver's table is full (where recvmsg would drop the file and set
    /// `MSG_CTRUNC`).
    public func send(_ fd: FileDescriptor, to receiver: UserProcess, closeOnExec: Bool = false) throws(Errno) -> FileDescriptor {
        let file = try fget(fd, allowPath: true)
        return try receiver.install(file, closeOnExec: closeOnExec)
    }

    /// execve(2) as far as files go: every mapping is replaced and every close-on-exec
    /// descriptor closed.
    public func exec() throws(Errno) {
        let (objects, slots) = try live { state in
            (state.space.removeAll(), state.table.removeAll { $0.closeOnExec })
        }
        for object in objects { object.dropPiece() }
        for slot in slots { slot.file.release() }
    }

    /// exit(2): unmaps everything (`exit_mm`), closes every descriptor (`exit_files`), and
    /// leaves the process list. A second call does nothing.
    public func exit() {
        let released = state.withLock { state -> (objects: [MappedObject], slots: [FileDescriptorTable.Slot])? in
            guard !state.exited else { return nil }
            state.exited = true
            return (state.space.removeAll(), state.table.removeAll { _ in true })
        }
        guard let released else { return }
        for object in released.objects { object.dropPiece() }
        for slot in released.slots { slot.file.release() }
        onExit(pid)
    }

    // MARK: Kernel helpers

    /// `fget`: the file behind `fd` with a reference taken, which the caller must release.
    /// `EBADF` when `fd` is not open, and for an `O_PATH` descriptor unless `allowPath`
    /// (`fget_raw`).
    func fget(_ fd: FileDescriptor, allowPath: Bool = false) throws(Errno) -> OpenFileDescription {
        try live { state throws(Errno) in
            guard let slot = state.table.slot(fd), allowPath || !slot.file.isPath else { throw .badFileDescriptor }
            try slot.file.retain()
            return slot.file
        }
    }

    /// `fd_install` of a file whose reference the caller hands over; on failure the
    /// reference is dropped and the error thrown.
    func install(_ file: OpenFileDescription, closeOnExec: Bool) throws(Errno) -> FileDescriptor {
        do {
            return try live { state throws(Errno) in try state.table.install(file, closeOnExec: closeOnExec) }
        } catch {
            file.release()
            throw error
        }
    }

    /// dma-buf inode → descriptors and mappings of this process that hold its file.
    func _fileHolds() -> [UInt64: Int] {
        state.withLock { state in
            var holds: [UInt64: Int] = [:]
            for fd in state.table.openDescriptors {
                if case .dmaBuf(let buffer) = state.table.slot(fd)!.file.object { holds[buffer.inode, default: 0] += 1 }
            }
            for area in state.space.areas {
                if case .dmaBuf(let mapping) = area.object.backing { holds[mapping.buffer.inode, default: 0] += 1 }
            }
            return holds
        }
    }

    public func _checkInvariants() {
        state.withLock { state in
            state.table._checkInvariants()
            state.space._checkInvariants()
        }
    }
}
