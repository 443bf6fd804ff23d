import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemTestSupport
import ProtMemUserspace
import Testing

/// Whatever processes do, once every one of them has exited every heap is back at its
/// starting free bytes and bufinfo lists no buffer.
@Suite struct RandomSequenceTests {
    /// A random process-level workload, driven by one seed.
    struct Workload {
        var random: SplitMix64
        let userspace: Userspace
        var processes: [UserProcess] = []
        var descriptors: [ProcessID: [FileDescriptor]] = [:]
        var mappings: [ProcessID: [(VirtualAddress, UInt64)]] = [:]
        var calls = 0
        var failures = 0
        /// The most buffers alive at once, and mappings made: proof the workload did something.
        var peakBuffers = 0
        var mapped = 0

        init(seed: UInt64, userspace: Userspace) {
            random = SplitMix64(seed: seed)
            self.userspace = userspace
            for _ in 0..<3 { spawn() }
        }

        mutating func spawn() {
            let process = userspace.spawn(name: "p\(processes.count)")
            processes.append(process)
            descriptors[process.pid] = process.openDescriptors
        }

        mutating func pick<T>(_ items: [T]) -> T? {
            items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
        }

        mutating func number(_ below: UInt64) -> UInt64 { random.next() % below }

        /// Mostly a descriptor of the kind a call wants, sometimes any (to reach the refusals).
        mutating func descriptor(of process: UserProcess, _ wanted: (FileObject) -> Bool, otherwise fallback: FileDescriptor) -> FileDescriptor {
            let matching = (descriptors[process.pid] ?? []).filter { fd in process.file(fd).map { wanted($0.object) } ?? false }
            guard number(5) != 0 else { return fallback }
            return pick(matching) ?? fallback
        }

        mutating func step() {
            guard let process = pick(processes) else { return }
            let pid = process.pid
            let fd = pick(descriptors[pid] ?? []) ?? FileDescriptor(rawValue: Int32(number(40)))
            calls += 1
            do throws(Errno) {
                switch number(17) {
                case 0:
                    let name = pick(["system", "linux,cma", "protected-carveout", "missing"])!
                    descriptors[pid, default: []].append(try process.open("/dev/dma_heap/\(name)", flags: pick([.readWrite, .readOnly, [.readWrite, .closeOnExec]])!))
                case 1, 2:
                    let fd = descriptor(of: process, { if case .dmaHeap = $0 { true } else { false } }, otherwise: fd)
                    let length = pick([0, 1, 4096, 4097, 65536, 1 << 20, 3 << 20, UInt64.max])!
                    let flags = OpenFlags(rawValue: pick([0, 1, 2, 0o2000002, 0o4002] as [UInt32])!)
                    descriptors[pid, default: []].append(try process.allocate(fd, length: length, fdFlags: flags))
                case 3:
                    descriptors[pid, default: []].append(try process.dup(fd))
                case 4:
                    try process.close(fd)
                    descriptors[pid]?.removeAll { $0 == fd }
                case 5:
                    let receiver = pick(processes)!
                    descriptors[receiver.pid, default: []].append(try process.send(fd, to: receiver, closeOnExec: number(2) == 0))
                case 6, 7:
                    let fd = descriptor(of: process, { if case .dmaBuf = $0 { true } else { false } }, otherwise: fd)
                    let length = pick([4096, 8192, 65536, 0, 1 << 20] as [UInt64])!
                    let offset = pick([0, 4096, 100, 0xffff_ffff_ffff_f000] as [UInt64])!
                    let protection = pick([MmapProtection.read, [.read, .write], .none])!
                    let flags = pick([MmapFlags.shared, .private, [.private, .anonymous], .sharedValidate])!
                    let address = try process.mmap(length: length, protection: protection, flags: flags, fd: fd, offset: offset)
                    mappings[pid, default: []].append((address, length))
                    mapped += 1
                case 8:
                    guard let (address, length) = pick(mappings[pid] ?? []) else { return }
                    // Sometimes a hole in the middle, sometimes the whole mapping.
                    if number(3) == 0, length >= 3 * 4096 {
                        try process.munmap(address.advanced(by: 4096)!, length: 4096)
                    } else {
                        try process.munmap(address, length: length)
                        mappings[pid]?.removeAll { $0.0 == address }
                    }
                case 9:
                    guard let (address, length) = pick(mappings[pid] ?? []) else { return }
                    let offset = number(length)
                    try process.store(address.advanced(by: offset)!, bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: offset), count: Int(min(64, length - offset))))
                case 10:
                    guard let (address, length) = pick(mappings[pid] ?? []) else { return }
                    _ = try process.load(address, count: min(length, 256))
                case 11:
                    let fd = descriptor(of: process, { if case .dmaBuf = $0 { true } else { false } }, otherwise: fd)
                    try process.setName(fd, pick(["", "a", String(repeating: "n", count: 31), String(repeating: "x", count: 32)])!)
                case 12:
                    let fd = descriptor(of: process, { if case .dmaBuf = $0 { true } else { false } }, otherwise: fd)
                    try process.sync(fd, DMABufSyncFlags(rawValue: pick([0, 1, 3, 4, 5, 7, 8])!))
                case 13:
                    let memfd = try process.memfdCreate(name: "w", flags: .allowSealing)
                    descriptors[pid, default: []].append(memfd)
                    try process.ftruncate(memfd, length: pick([4096, 1 << 20])!)
                    try process.addSeals(memfd, pick([.shrink, [.shrink, .write], []])!)
                    let device = try process.open("/dev/udmabuf", flags: .readWrite)
                    descriptors[pid, default: []].append(device)
                    descriptors[pid, default: []].append(try process.udmabufCreate(device, memfd: memfd, offset: pick([0, 4096])!, size: pick([4096, 8192, 1 << 20])!))
                case 14:
                    _ = try process.fdinfo(fd)
                    _ = userspace.bufinfo()
                case 15:
                    try process.exec()
                    descriptors[pid] = process.openDescriptors
                    mappings[pid] = []
                default:
                    if number(4) == 0 {
                        process.exit()
                        processes.removeAll { $0 === process }
                        spawn()
                    }
                }
            } catch {
                failures += 1
            }
            peakBuffers = max(peakBuffers, userspace.board.dmaBufs.count)
        }
    }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func everythingComesBackAfterExit(_ seed: UInt64) throws {
        try withLeakCheckedBoard { board in
            let userspace = Userspace(board: board)
            var workload = Workload(seed: seed, userspace: userspace)
            for index in 0..<600 {
                workload.step()
                if index % 50 == 0 {
                    userspace._checkInvariants()
                    for process in userspace.processes { process._checkInvariants() }
                }
            }
            #expect(workload.failures > 0 && workload.failures < workload.calls, "the workload should mix successes and refusals")
            #expect(workload.peakBuffers >= 3 && workload.mapped >= 3, "the workload made \(workload.peakBuffers) buffers and \(workload.mapped) mappings")
            userspace._checkInvariants()
            for process in userspace.processes { process.exit() }
            #expect(userspace.bufinfo().hasSuffix("\nTotal 0 objects, 0 bytes\n"))
            #expect(board.bus.faults.count == 0, "a process touched memory it may not: \(board.bus.faults.faults.prefix(3))")
        }
    }
}
