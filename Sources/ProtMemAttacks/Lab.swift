import ProtMemBoard
import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemSimulation
import ProtMemTEE
import ProtMemUserspace

/// One attack's bench: a fresh board with the invariant checker watching its bus, and the
/// harness's steps that set the scene (a victim's buffer, the protected content a decoder
/// writes into it) and judge the outcome. Nothing here is the attacker's: an attack's own
/// steps use only the normal-world API (processes, kernel drivers, SMCs, DMA masters the
/// kernel programs).
final class Lab {
    let board: Board
    /// The oracle: installed on the bus before the attack, so it sees every transaction.
    let checker: InvariantChecker
    /// The board's video decoder: the victim's pipeline writes protected content with it.
    let codec: VideoCodec
    /// Faults recorded, and content violations seen, before the attack's decisive step (so a
    /// judgement sees only that step's).
    private var faultMark = 0
    private var violationMark = 0
    /// The board's userspace, once an attack asks for it (``userspace``).
    fileprivate var madeUserspace: Userspace?

    /// A fresh board of `configuration`. With `mainlineStaticPool` its OP-TEE static pool is
    /// registered as mainline's `tee_heap.c` has it, freeing buffers straight back to the pool
    /// unscrubbed, instead of the model's scrubbing pool.
    init(_ configuration: BoardConfiguration, mainlineStaticPool: Bool = false) throws {
        do {
            board = try Board(configuration, registeringHeaps: !mainlineStaticPool)
            if mainlineStaticPool { try Self.registerMainlineStaticPool(on: board) }
        } catch let error as AttackSetupError {
            throw error
        } catch {
            throw AttackSetupError("board \(configuration.name) does not build: \(error)")
        }
        checker = InvariantChecker(board: board)
        codec = VideoCodec(bus: board.bus)
        checker.install()
    }

    deinit { checker.uninstall() }

    /// What the end of a boot's life does to what an attack left: its processes exit (closing
    /// every descriptor), and each dma-buf a kernel-side importer still holds is put until it
    /// is released. Runs after the attack is judged. Without it the board's dma-buf list holds
    /// those buffers, they hold their heaps, and the heaps the board: every board the catalogue
    /// builds would stay alive until the process exits.
    func tearDown() {
        for process in madeUserspace?.processes ?? [] { process.exit() }
        for buffer in board.dmaBufs.buffers {
            // Each put drops one reference; once the last is gone (or only attachment pins
            // remain, which a put cannot drop) the next answers EBADF.
            while (try? buffer.put()) != nil {}
        }
    }

    /// Registers the board's heaps as boot would, except OP-TEE's static pool, which gets
    /// mainline's pool (no scrub on free) under the same name.
    private static func registerMainlineStaticPool(on board: Board) throws {
        try board.registerHeaps(of: .dmaBufHeaps)
        try board.registerHeaps(of: .armFFA)
        guard let driver = board.teeDriver, let config = driver.staticProtectedMemoryConfig() else {
            throw AttackSetupError("board \(board.name) has no OP-TEE static pool")
        }
        let pool = try TEEStaticPool(range: config.range, memory: board.memory, scrubber: board.scrubber, scrubsOnFree: false)
        _ = try board.heaps.add(name: ProtectedMemoryUseCase.secureVideoPlay.heapName!, ops: TEEHeap(useCase: .secureVideoPlay, pool: pool, device: driver))
    }

    // MARK: Setting the scene

    /// The registered heap `name`, as a kernel client that holds it by phandle sees it.
    func heap(_ name: String) throws -> DMAHeap {
        guard let heap = board.heaps.heaps.first(where: { $0.name == name }) else {
            throw AttackSetupError("board \(board.name) has no heap \(name) (it has \(board.heaps.names.joined(separator: ", ")))")
        }
        return heap
    }

    /// A buffer allocated in the kernel (`dma_heap_buffer_alloc`), the victim's.
    func allocate(_ heapName: String, _ size: UInt64) throws -> DMABuf {
        do {
            return try board.heaps.allocate(heap(heapName), length: size, fdFlags: .readWrite)
        } catch let error as AttackSetupError {
            throw error
        } catch {
            throw AttackSetupError("allocating \(size) bytes from \(heapName) failed: \(error)")
        }
    }

    /// The physical chunks of `buffer`, as an importer learns them: it attaches its device and
    /// maps the attachment (`dma_buf_map_attachment` hands it the sg_table), then detaches.
    func chunks(of buffer: DMABuf) throws -> [PhysicalRange] {
        do {
            let held = try codec.attachOutput(buffer)
            defer { try? codec.detach(held) }
            guard !held.chunks.isEmpty else { throw AttackSetupError("\(buffer) maps to no chunks") }
            return held.chunks
        } catch let error as AttackSetupError {
            throw error
        } catch {
            throw AttackSetupError("the codec cannot import \(buffer): \(error)")
        }
    }

    /// Protected content: the decoder writes frame `id` into `buffer`, reduced to the
    /// ``ContentMarker`` the checker tracks, at `offset`.
    func decode(_ id: UInt64, into buffer: DMABuf, at offset: UInt64 = 0) throws {
        let base = try chunks(of: buffer)[0].base.rawValue + offset
        do {
            var producer = SecureProducer(monitor: board.secureMonitor)
            try producer.produce(id, as: .codec, into: PhysicalRange(base: PhysicalAddress(base), size: UInt64(ContentMarker.size))!, on: board.bus)
        } catch {
            throw AttackSetupError("the codec cannot write its frame into \(buffer): \(error)")
        }
    }

    /// ``decode(_:into:at:)`` as the attack's decisive step: the secure decode session's answer
    /// (it refuses output that is not a secure buffer) instead of a set-up failure.
    func attemptDecode(_ id: UInt64, into buffer: DMABuf) throws -> Observation {
        let base = try chunks(of: buffer)[0].base
        var producer = SecureProducer(monitor: board.secureMonitor)
        return attempt { try producer.produce(id, as: .codec, into: PhysicalRange(base: base, size: UInt64(ContentMarker.size))!, on: board.bus) }
    }

    /// The bytes the display's scan-out engine reads from the start of `buffer` (a CRC unit's
    /// view; the display may read every protected pool of the built-in boards).
    func scanOut(_ buffer: DMABuf, count: UInt64 = UInt64(ContentMarker.size)) throws -> [UInt8] {
        let display = DisplayController(bus: board.bus)
        do {
            let view = try display.attachFramebuffer(buffer)
            defer { try? display.detach(view) }
            return try board.bus.read(.display, PhysicalRange(base: view.chunks[0].base, size: count)!)
        } catch {
            throw AttackSetupError("the display cannot scan out \(buffer): \(error)")
        }
    }

    /// Starts the attack's decisive step: faults and content violations recorded so far belong
    /// to the set-up (a copy-out made to have something to read, say), not to the step judged.
    func begin() {
        faultMark = board.bus.faults.count
        violationMark = checker.contentViolations.count
    }

    // MARK: Judging

    /// What `body` met: the errno it answered, the fault it raised, or success.
    func attempt(_ body: () throws -> Void) -> Observation {
        do {
            try body()
            return Observation(.succeeded)
        } catch {
            return observation(of: error)
        }
    }

    /// An error as an observation: an errno, a recorded fault, a GPU or DMA fault.
    func observation(of error: any Error) -> Observation {
        switch error {
        case let errno as Errno:
            return Observation(.refused(errno), errno.description)
        case let fault as AccessFault:
            return Observation(.fault(source: fault.source), fault.description)
        case let mapping as DMABufCPUMapping.AccessError:
            if case .fault(let fault) = mapping { return Observation(.fault(source: fault.source), fault.description) }
            return Observation(.refused(.badAddress), mapping.description)
        case let dma as DMAMasterError:
            if case .fault(let fault) = dma { return Observation(.fault(source: fault.source), fault.description) }
            return Observation(.unnoticed, dma.description)
        case let gpu as GPUFault:
            switch gpu {
            case .bus(let fault), .protectedOutput(let fault): return Observation(.fault(source: fault.source), fault.description)
            case .translation: return Observation(.unnoticed, gpu.description)
            }
        default:
            return Observation(.unnoticed, "\(error)")
        }
    }

    /// The first fault recorded since ``begin()``, as an observation; `otherwise` when none.
    func recordedFault(otherwise: Observation) -> Observation {
        guard let fault = board.bus.faults.faults(since: faultMark).first else { return otherwise }
        return Observation(.fault(source: fault.source), fault.description)
    }

    /// What the checker reports for the attack: every structural violation now, and the
    /// content violations the bus showed it since ``begin()``.
    func violations() -> [InvariantViolation] {
        let content = checker.contentViolations
        let earlier = Set(content.prefix(violationMark))
        return checker.check().filter { !earlier.contains($0) }
    }

    /// A violation of `kind` as the observation; else `otherwise`, with the violations that
    /// were reported, if any, added to its detail.
    func judged(_ kind: InvariantViolation.Kind, otherwise: Observation) -> Observation {
        let all = violations()
        let matching = all.filter { $0.kind == kind }
        if !matching.isEmpty {
            return Observation(.violation(kind), matching.map(\.description).joined(separator: "; "))
        }
        guard !all.isEmpty else { return otherwise }
        let others = "other violations: " + all.map(\.description).joined(separator: "; ")
        return Observation(otherwise.outcome, otherwise.detail.isEmpty ? others : otherwise.detail + "; " + others)
    }

    /// What the normal-world CPU reads at `range` now, for an attack's detail once it has
    /// been judged (the read is a transaction the checker sees, so never before).
    func cpuSees(_ range: PhysicalRange) -> String {
        do {
            return Self.describe(try board.bus.read(.cpuNonSecure, range))
        } catch {
            return "nothing (\(error.source) refuses it)"
        }
    }

    /// ``judged(_:otherwise:)``, with what the CPU can read at `range` added when nothing was
    /// reported: the leak the checker missed, as the CPU sees it.
    func judged(_ kind: InvariantViolation.Kind, otherwise: Observation, groundTruth range: PhysicalRange) -> Observation {
        let verdict = judged(kind, otherwise: otherwise)
        guard verdict.outcome != .violation(kind) else { return verdict }
        return verdict.adding("the CPU can read \(cpuSees(range)) at \(range)")
    }

    /// What bytes read as: `zeros`, `protected content #n`, or `other data`.
    static func describe(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 == 0 }) { return "zeros" }
        let found = ContentMarker.firstID(in: bytes.span.bytes)
        if let found { return "protected content #\(found)" }
        return "other data"
    }
}

extension PhysicalRange {
    /// The range's first page.
    var firstPage: PhysicalRange { PhysicalRange(base: base, size: Swift.min(size, pageSize))! }
}

extension [UInt8] {
    /// The little-endian value of `bytes` bytes at `offset`.
    func littleEndianWord(at offset: Int, bytes: Int) -> UInt64 {
        (0..<bytes).reduce(UInt64(0)) { $0 | UInt64(self[offset + $1]) << (8 * UInt64($1)) }
    }
}

/// `0x`-prefixed hexadecimal, as the model prints addresses.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

extension Lab {
    /// The board's userspace: one per lab, made on first use.
    var userspace: Userspace {
        if let made = madeUserspace { return made }
        let made = Userspace(board: board)
        madeUserspace = made
        return made
    }

    /// An unprivileged process holding a descriptor of `/dev/dma_heap/<heap>` and of a buffer
    /// of `size` bytes allocated from it (`DMA_HEAP_IOCTL_ALLOC`, `O_RDWR`).
    func process(named name: String, allocating size: UInt64, from heap: String) throws -> (UserProcess, heap: FileDescriptor, buffer: FileDescriptor) {
        let process = userspace.spawn(name: name)
        do {
            let heapFD = try process.open("/dev/dma_heap/\(heap)", flags: .readOnly)
            let bufferFD = try process.allocate(heapFD, length: size, fdFlags: .readWrite)
            return (process, heapFD, bufferFD)
        } catch {
            throw AttackSetupError("\(process) cannot allocate \(size) bytes from /dev/dma_heap/\(heap): \(error)")
        }
    }

    /// The dma-buf a process's descriptor names, as a kernel importer resolves it
    /// (`dma_buf_get(fd)`).
    func dmaBuf(_ fd: FileDescriptor, of process: UserProcess) throws -> DMABuf {
        guard let file = process.file(fd), case .dmaBuf(let buffer) = file.object else {
            throw AttackSetupError("\(fd) of \(process) is not a dma-buf")
        }
        return buffer
    }
}
