import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemTime

/// How the board gives the GPU protected memory (see ``ProtectedMemoryDesign``).
public enum ProtectedMemoryConfiguration: Sendable {
    /// No protected memory: mainline panthor, PROT sections skipped, protected jobs stay blocked.
    case none
    /// `protected-heap-name = "<name>"`.
    case heapByName(String)
    /// `memory-region = <&region>`, a `no-map` region firewalled for the protected GPU.
    case reservedRegion(PhysicalRange)
    /// A phandle to a heap device, resolved by the board to the heap itself.
    case heapDevice(DMAHeap)
    /// Userspace hands buffers in.
    case userspace

    public var design: ProtectedMemoryDesign? {
        switch self {
        case .none: nil
        case .heapByName: .heapByName
        case .reservedRegion: .reservedRegion
        case .heapDevice: .heapDevice
        case .userspace: .userspace
        }
    }
}

/// The driver's timeouts, in virtual time.
public struct PanthorTimeouts: Hashable, Sendable {
    /// `glb_protm_enter`'s wait for `GLB_PROTM_ENTER` to be acknowledged: 4000 ms in the RFC and
    /// the 2026 series.
    public var protectedModeEnter: VirtualDuration = .milliseconds(4000)
    /// `csgs_upd_ctx_apply_locked`'s wait for CSG acknowledgements (panthor: 100 ms).
    public var slotUpdate: VirtualDuration = .milliseconds(100)
    /// The scheduler's tick period while groups compete for slots (panthor: 10 ms).
    public var tickPeriod: VirtualDuration = .milliseconds(10)

    public init() {}
}

/// One Panthor GPU as a board describes it.
public struct PanthorConfiguration: Sendable {
    /// `dev_name()`, what `bufinfo` lists among a buffer's attached devices.
    public var deviceName: String
    public var protectedMemory: ProtectedMemoryConfiguration
    /// How a heap named by ``ProtectedMemoryConfiguration/heapByName(_:)`` is found.
    public var heapLookup: ProtectedHeapLookup
    /// How the scheduler enters protected mode (the RFC, or patch 7 of the 2026 series).
    public var protectedModeScheduling: ProtectedModeScheduling
    public var firmware: CSFParameters
    public var timeouts: PanthorTimeouts

    public init(deviceName: String = "fb000000.gpu", protectedMemory: ProtectedMemoryConfiguration, heapLookup: ProtectedHeapLookup = ProtectedHeapLookup(),
                protectedModeScheduling: ProtectedModeScheduling = .rfc,
                firmware: CSFParameters = CSFParameters(), timeouts: PanthorTimeouts = PanthorTimeouts()) {
        self.deviceName = deviceName
        self.protectedMemory = protectedMemory
        self.heapLookup = heapLookup
        self.protectedModeScheduling = protectedModeScheduling
        self.firmware = firmware
        self.timeouts = timeouts
    }
}

/// What the rest of the board provides the driver: the bus and RAM, the heaps, the secure
/// world's scrub service, and the simulation's event queue.
public struct PanthorEnvironment: Sendable {
    public var bus: Bus
    public var pages: PageAllocator
    public var heaps: DMAHeapRegistry
    /// Needed by the reserved-region design: the driver cannot wipe protected memory itself.
    public var scrubber: (any ProtectedMemoryScrubber)?
    public var events: EventQueue

    public init(bus: Bus, pages: PageAllocator, heaps: DMAHeapRegistry, scrubber: (any ProtectedMemoryScrubber)?, events: EventQueue) {
        self.bus = bus
        self.pages = pages
        self.heaps = heaps
        self.scrubber = scrubber
        self.events = events
    }
}
