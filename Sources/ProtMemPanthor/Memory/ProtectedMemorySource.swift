import ProtMemDMABuf
import ProtMemMemory

/// The four ways a GPU driver can get protected memory (ARCHITECTURE.md), one per board.
public enum ProtectedMemoryDesign: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The GPU node names a heap (`protected-heap-name`, RFC patch 3): `dma_heap_find`, probe
    /// deferred while it is missing, buffers from `dma_heap_buffer_alloc`.
    case heapByName = "heap-by-name"
    /// The GPU node's `memory-region` points at a `no-map` region the driver allocates from
    /// itself (Maxime Ripard's suggestion in the RFC thread; kbase's reference PMA).
    case reservedRegion = "reserved-region"
    /// The GPU node points at a heap device by phandle and gets a typed reference to the heap
    /// (Florent Tomasin's experiment, without casting private data).
    case heapDevice = "heap-device"
    /// Userspace allocates from a protected heap and hands the buffers in (Boris Brezillon's
    /// May 2026 proposal in the series' review, named as the review calls it): after a
    /// DEV_QUERY that reports readiness and sizes, the firmware's protected sections through a
    /// new import ioctl, a protected suspend buffer per group at GROUP_CREATE; the kernel
    /// looks no heap up.
    case userspace = "userspace-import"

    public var description: String { rawValue }

    /// The design a scenario or the command line names: its raw value, or `userspace`, the
    /// proposal's earlier name in ProtMem.
    public init?(name: String) {
        if name == "userspace" { self = .userspace } else { self.init(rawValue: name) }
    }
}

/// What a protected allocation is for.
public enum ProtectedAllocationPurpose: Hashable, Sendable, CustomStringConvertible {
    /// The firmware's PROT sections, all of them in one allocation (see `FirmwareLoader`).
    case firmwareSections
    /// A group's protected suspend buffer (`protm_suspend_buf`), `protm_suspend_size` bytes.
    case groupSuspendBuffer(group: UInt32)

    public var description: String {
        switch self {
        case .firmwareSections: "firmware protected sections"
        case .groupSuspendBuffer(let group): "protected suspend buffer of group \(group)"
        }
    }
}

/// One request for protected memory.
public struct ProtectedMemoryRequest: Sendable {
    /// Bytes needed, a whole number of pages.
    public var size: UInt64
    public var purpose: ProtectedAllocationPurpose
    /// The buffer userspace handed in, for the userspace design; `nil` otherwise.
    public var userBuffer: DMABuf?

    public init(size: UInt64, purpose: ProtectedAllocationPurpose, userBuffer: DMABuf? = nil) {
        self.size = size
        self.purpose = purpose
        self.userBuffer = userBuffer
    }
}

/// Where the driver gets protected memory: one protocol over the four designs, so the firmware
/// loader and the scheduler never ask which design a board uses.
///
/// Lifecycle: the driver obtains a source at probe (a heap-by-name source may answer
/// `EPROBE_DEFER`), allocates from it for the firmware's PROT sections and for each group's
/// protected suspend buffer, frees each ``ProtectedAllocation`` when done, and calls
/// ``release()`` once at unplug or when a later probe step fails.
public protocol ProtectedMemorySource: AnyObject, Sendable {
    var design: ProtectedMemoryDesign { get }
    /// What the source draws from, for messages: `heap protected-carveout`, a region, …
    var name: String { get }
    /// Whether memory fresh from this source reads as zeros. The normal-world CPU cannot zero
    /// protected memory, so the firmware loader relies on this for PROT sections flagged ZERO.
    var zeroesNewMemory: Bool { get }

    /// Protected memory for `request`, as chunks the GPU can map. Errors are the kernel's:
    /// `ENOMEM` when the source is exhausted, `EINVAL` for a bad request.
    func allocate(_ request: ProtectedMemoryRequest) throws(Errno) -> ProtectedAllocation

    /// Drops what the driver holds on the source itself (`dma_heap_put` for a heap found by
    /// name). Runs once; later calls do nothing.
    func release()
}
