import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// A Panthor GPU on a board, for tests: the environment wired from the board, the four
/// designs as the default board can host them, and helpers to run the clock.
struct PanthorBench {
    /// A 64 MiB `no-map` region for the reserved-region design, firewalled like the carve-out.
    static let reservedRegion = PhysicalRange(checkedBase: 0xA000_0000, size: 64 << 20)

    /// The default board plus the reserved region (nothing else changes).
    static let configuration: BoardConfiguration = {
        var configuration = BoardConfiguration.builtinDefault
        configuration.reservedRegions = [.init(name: "gpu-protected-region", range: reservedRegion,
                                               readers: [.gpuProtected, .codec, .display], writers: [.gpuProtected, .codec, .camera])]
        return configuration
    }()

    let board: Board
    let events: EventQueue

    init(board: Board, events: EventQueue = EventQueue()) {
        self.board = board
        self.events = events
    }

    var environment: PanthorEnvironment {
        PanthorEnvironment(bus: board.bus, pages: board.pageAllocator, heaps: board.heaps, scrubber: board.scrubber, events: events)
    }

    /// The board's heap of that name, as a phandle would resolve it (no lookup reference).
    func heap(_ name: String) -> DMAHeap {
        board.heaps.heaps.first { $0.name == name }!
    }

    /// The protected-memory configuration of `design` on this board.
    func protectedMemory(_ design: ProtectedMemoryDesign, heap: String = "protected-carveout") -> ProtectedMemoryConfiguration {
        switch design {
        case .heapByName: .heapByName(heap)
        case .reservedRegion: .reservedRegion(Self.reservedRegion)
        case .heapDevice: .heapDevice(self.heap(heap))
        case .userspace: .userspace
        }
    }

    func device(_ protectedMemory: ProtectedMemoryConfiguration, firmware: [UInt8] = TestFirmware.g610,
                parameters: CSFParameters = CSFParameters(), scheduling: ProtectedModeScheduling = .rfc) -> PanthorDevice {
        PanthorDevice(configuration: PanthorConfiguration(protectedMemory: protectedMemory, protectedModeScheduling: scheduling, firmware: parameters),
                      environment: environment, firmware: firmware)
    }

    /// A probed device of `design`; under the userspace design the firmware's protected buffer
    /// is allocated from `heap` and installed, and its fd closed, as userspace would.
    func probedDevice(_ design: ProtectedMemoryDesign, heap: String = "protected-carveout", firmware: [UInt8] = TestFirmware.g610,
                      parameters: CSFParameters = CSFParameters(), scheduling: ProtectedModeScheduling = .rfc) throws -> PanthorDevice {
        let gpu = device(protectedMemory(design, heap: heap), firmware: firmware, parameters: parameters, scheduling: scheduling)
        try gpu.probe()
        if design == .userspace {
            let buffer = try allocate(gpu.protectedMemoryRequirements.firmwareSectionsSize, from: heap)
            try gpu.installProtectedFirmwareBuffer(buffer)
            try buffer.put()
        }
        return gpu
    }

    func allocate(_ size: UInt64, from heap: String) throws -> DMABuf {
        try board.heaps.allocate(self.heap(heap), length: size, fdFlags: .readWrite)
    }

    /// A group with its own VM; under the userspace design with a protected suspend buffer
    /// allocated from `heap` (and its fd closed).
    func group(on gpu: PanthorDevice, priority: GroupPriority, queues: Int = 1, heap: String = "protected-carveout") throws -> (VMHandle, GroupHandle) {
        let vm = try gpu.createVM()
        var suspend: DMABuf?
        if gpu.protectedMemoryDesign == .userspace {
            suspend = try allocate(gpu.protectedMemoryRequirements.groupSuspendSize, from: heap)
        }
        defer { try? suspend?.put() }
        return (vm, try gpu.createGroup(vm: vm, priority: priority, queues: queues, protectedSuspendBuffer: suspend))
    }

    /// Destroys `groups`, lets the scheduler take them off their slots, destroys `vms`, and
    /// unplugs the GPU: the end of a test that leaves the board as it found it.
    func release(_ gpu: PanthorDevice, groups: [GroupHandle], vms: [VMHandle]) throws {
        for group in groups { try gpu.destroyGroup(group) }
        runUntilIdle()
        for vm in vms { try gpu.destroyVM(vm) }
        gpu.unplug()
    }

    /// Runs the event queue for `duration` of virtual time.
    func run(for duration: VirtualDuration) {
        events.advance(by: duration)
    }

    /// Runs until nothing is scheduled, with a generous limit so a runaway fails the test.
    func runUntilIdle() {
        let ran = events.runUntilEmpty(limit: 1_000_000)
        #expect(ran < 1_000_000, "the event queue did not drain")
    }
}

/// The firmware image tests boot: the real Mali-G610 image when ../shared/data is there,
/// else a small synthetic one with the same section layout (one PROT section, no data).
enum TestFirmware {
    static let g610: [UInt8] = {
        if let directory = SharedData.firmwareDirectory,
           let bytes = try? SharedData.bytes(of: directory.appendingPathComponent("arch10.8/mali_csffw.bin")) {
            return bytes
        }
        print(SharedData.skipMessage + " (booting a synthetic image instead)")
        return synthetic().build()
    }()

    /// Code, data, a PROT section at 0x03000000 like the real ones, and the shared section.
    static func synthetic(protectedFlags: UInt32 = 0x2b, protectedData: (UInt32, UInt32) = (0, 0)) -> FirmwareImageBuilder {
        var builder = FirmwareImageBuilder()
        let base = UInt32(FirmwareImageBuilder.dataBase)
        builder.section(flags: 0x0d, va: (0x0080_0000, 0x0080_2000), data: (base, base + 0x100))
        builder.section(flags: 0x8000_000b, va: (0x0200_0000, 0x0200_4000), data: (base, base + 0x40))
        builder.section(flags: protectedFlags, va: (0x0300_0000, 0x0304_0000), data: protectedData)
        builder.sharedSection()
        return builder
    }
}

extension PanthorDevice {
    /// The kinds of trace events, in order, filtered by `include`.
    func traceKinds(_ include: (PanthorTraceEvent.Kind) -> Bool = { _ in true }) -> [PanthorTraceEvent.Kind] {
        trace.map(\.kind).filter(include)
    }

    /// The time of the first trace event matching `match`.
    func firstTime(of match: (PanthorTraceEvent.Kind) -> Bool) -> VirtualInstant? {
        trace.first { match($0.kind) }?.time
    }
}
