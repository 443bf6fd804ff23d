import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// Runs ABI scripts (`../shared/reference/abi-script.md`) against one process: the model's
/// ``UserProcess`` or any other ``UserspaceSyscalls`` (the running kernel's, in `ProtMemLinux`).
///
/// Each line is decoded and its names resolved before anything of it runs; a line that is
/// malformed or names something never bound stops the run with an ``ABIScriptError``, after
/// the results of the lines before it have been emitted. Results never show descriptor
/// numbers or addresses, only what a real kernel would answer the same way.
///
/// Names: a call that succeeds binds its `as` name (a later call may bind the same name
/// again; the old object stays open). A failed call binds nothing. After `close` the name
/// stays bound to the closed descriptor and answers `EBADF` (the model never reuses it, even
/// when the number is reused). A `read` or `write` outside its mapping, or through one that
/// was unmapped, answers `EFAULT`.
public final class ABIScriptRunner: Sendable {
    public let process: any UserspaceSyscalls

    enum Binding {
        case descriptor(FileDescriptor, closed: Bool)
        case mapping(VirtualAddress, length: UInt64, unmapped: Bool)
        /// A render-node handle (GEM object, VM, group, syncobj).
        case handle(UInt32)
    }

    /// The names bound so far and the scratch memory, behind a lock so a workload's events
    /// may drive one runner (a script runs its lines one at a time).
    private struct State {
        var bindings: [String: Binding] = [:]
        var scratch: VirtualAddress?
    }
    private let state = Mutex(State())

    var bindings: [String: Binding] {
        get { state.withLock { $0.bindings } }
        set { state.withLock { $0.bindings = newValue } }
    }
    /// Anonymous memory the runner puts the arrays and strings of render-node calls in.
    var scratch: VirtualAddress? {
        get { state.withLock { $0.scratch } }
        set { state.withLock { $0.scratch = newValue } }
    }

    public init(process: any UserspaceSyscalls) {
        self.process = process
    }

    /// Runs every line of `text` (lines end with `\n`, an optional `\r` before it is
    /// ignored), handing each result to `emit` as it is made.
    public func run(_ text: String, emit: (ABIScriptResult) -> Void) throws(ABIScriptError) {
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let content = line.hasSuffix("\r") ? line.dropLast() : line
            if let result = try run(line: content, number: number) { emit(result) }
        }
    }

    /// Runs one line; `nil` for a blank line or a comment.
    public func run(line: some StringProtocol, number: Int) throws(ABIScriptError) -> ABIScriptResult? {
        guard let call = try ABIScriptCall.parse(line: line, number: number) else { return nil }
        for reference in call.references {
            switch bindings[reference.name] {
            case nil:
                throw ABIScriptError(line: number, column: ABIScriptCall.valueColumn(of: reference.field, in: line), problem: "field \"\(reference.field)\" names \"\(reference.name)\", which no earlier line created")
            case .some(let binding):
                let found: ABIScriptCall.ReferenceKind = switch binding {
                case .descriptor: .descriptor
                case .mapping: .mapping
                case .handle: .handle
                }
                guard found == reference.kind else {
                    throw ABIScriptError(line: number, column: ABIScriptCall.valueColumn(of: reference.field, in: line),
                                         problem: "field \"\(reference.field)\" names \"\(reference.name)\", \(found.article), where \(reference.kind.article) is needed")
                }
            }
        }
        let outcome: ABIScriptResult.Outcome
        do throws(Errno) {
            outcome = try execute(call)
        } catch {
            outcome = .failed(errno: error.name)
        }
        return ABIScriptResult(line: number, op: call.op, outcome: outcome)
    }

    /// The descriptor a name stands for now: `-1` (which every call answers with `EBADF`)
    /// once it has been closed.
    func descriptor(_ name: String) -> FileDescriptor {
        guard case .descriptor(let fd, let closed) = bindings[name]! else { return .invalid }
        return closed ? .invalid : fd
    }

    func bind(_ name: String, _ fd: FileDescriptor) {
        bindings[name] = .descriptor(fd, closed: false)
    }

    private func execute(_ call: ABIScriptCall) throws(Errno) -> ABIScriptResult.Outcome {
        switch call {
        case .open(let path, let flags, let name):
            bind(name, try process.open(path, flags: OpenFlags(rawValue: flags)))

        case .alloc(let fd, let length, let fdFlags, let heapFlags, let inFD, let name):
            let data = DMAHeapAllocationData(length: length, fd: inFD, fdFlags: fdFlags, heapFlags: heapFlags)
            let argument = UserBuffer(data.bytes)
            try process.ioctl(descriptor(fd), .dmaHeapAlloc, argument)
            bind(name, FileDescriptor(rawValue: Int32(bitPattern: DMAHeapAllocationData(bytes: argument.bytes).fd)))

        case .ioctl(let fd, let request, let argument):
            try process.ioctl(descriptor(fd), IOCTLNumber(rawValue: request), argument.isEmpty ? nil : UserBuffer(argument))

        case .sync(let fd, let flags):
            try process.ioctl(descriptor(fd), .dmaBufSync, UserBuffer(.littleEndian(flags)))

        case .setName(let fd, let name):
            try process.ioctl(descriptor(fd), .dmaBufSetNameB, UserBuffer(Array(name.utf8) + [0]))

        case .mmap(let fd, let length, let offset, let protection, let flags, let name):
            let address = try process.mmap(length: length, protection: MmapProtection(rawValue: protection),
                                           flags: MmapFlags(rawValue: flags), fd: descriptor(fd), offset: offset)
            bindings[name] = .mapping(address, length: length, unmapped: false)

        case .write(let map, let offset, let bytes):
            let address = try window(map, offset, UInt64(bytes.count))
            try process.store(address, bytes: bytes)

        case .read(let map, let offset, let length):
            let address = try window(map, offset, length)
            return .bytes(try process.load(address, count: length))

        case .munmap(let map):
            guard case .mapping(let address, let length, _) = bindings[map]! else { return .ok }
            try process.munmap(address, length: length)
            bindings[map] = .mapping(address, length: length, unmapped: true)

        case .fdinfo(let fd):
            let text = try process.fdinfo(descriptor(fd))
            return .fields(Self.fields(of: text))

        case .dup(let fd, let name):
            bind(name, try process.dup(descriptor(fd)))

        case .close(let fd):
            try process.close(descriptor(fd))
            if case .descriptor(let number, _) = bindings[fd]! { bindings[fd] = .descriptor(number, closed: true) }

        case .drm(let call):
            return try execute(call)

        case .memfd(let length, let seals, let name):
            let fd = try process.memfdCreate(name: "protmem", flags: .allowSealing)
            do throws(Errno) {
                try process.ftruncate(fd, length: length)
                try process.addSeals(fd, MemFDSeals(rawValue: seals))
            } catch {
                try? process.close(fd)
                throw error
            }
            bind(name, fd)

        case .udmabufCreate(let fd, let memfd, let offset, let size, let flags, let name):
            let create = UDMABufCreate(memfd: UInt32(bitPattern: descriptor(memfd).rawValue), flags: flags, offset: offset, size: size)
            bind(name, FileDescriptor(rawValue: try process.ioctl(descriptor(fd), .udmabufCreate, UserBuffer(create.bytes))))
        }
        return .ok
    }

    /// The address of `[offset, offset + count)` in a mapping; `EFAULT` outside it or once
    /// it has been unmapped.
    private func window(_ map: String, _ offset: UInt64, _ count: UInt64) throws(Errno) -> VirtualAddress {
        guard case .mapping(let address, let length, let unmapped) = bindings[map]!, !unmapped else { throw .badAddress }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= length, let start = address.advanced(by: offset) else { throw .badAddress }
        return start
    }

    /// The `key:\tvalue` lines of an fdinfo text, values trimmed, minus the four every file
    /// has and that differ between systems.
    static func fields(of text: String) -> [(key: String, value: String)] {
        text.split(separator: "\n").compactMap { line -> (key: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let key = String(line[..<colon])
            guard !["pos", "flags", "mnt_id", "ino"].contains(key) else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            return (key, String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed()))
        }
    }
}
