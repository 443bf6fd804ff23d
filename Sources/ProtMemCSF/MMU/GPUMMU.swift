import Synchronization

/// The GPU's MMU: the MCU's address space, created with the device, and one address space per
/// context (panthor VM), all reporting faults to one log.
public final class GPUMMU: Sendable {
    public let faultLog = GPUFaultLog()
    /// The firmware's address space, `[0, 4 GiB)`.
    public let mcu: GPUAddressSpace
    /// The VA width of context address spaces (`MMU_FEATURES` bits [7:0]).
    public let contextVirtualBits: UInt8
    private let contexts = Mutex<(next: UInt32, spaces: [UInt32: GPUAddressSpace])>((1, [:]))

    /// `contextVirtualBits` must lie in 13...63: at least two pages, at most what a UInt64 limit holds.
    public init(contextVirtualBits: UInt8 = GPUAddressSpaceLayout.defaultContextVirtualBits) {
        precondition((13...63).contains(contextVirtualBits), "VA width \(contextVirtualBits) is out of range")
        self.contextVirtualBits = contextVirtualBits
        mcu = GPUAddressSpace(id: .mcu, limit: GPUAddressSpaceLayout.mcuVirtualSize, faultLog: faultLog)
    }

    /// A new, empty context address space with the next free id (ids start at 1 and are
    /// never reused, so a stale id cannot reach a newer context).
    public func createContext() -> GPUAddressSpace {
        contexts.withLock { contexts in
            let id = contexts.next
            contexts.next += 1
            let space = GPUAddressSpace(id: .context(id), limit: 1 << UInt64(contextVirtualBits), faultLog: faultLog)
            contexts.spaces[id] = space
            return space
        }
    }

    /// Forgets a context; returns whether it existed. Its mappings go with it.
    @discardableResult
    public func destroyContext(_ id: GPUAddressSpaceID) -> Bool {
        guard case .context(let number) = id else { return false }
        return contexts.withLock { $0.spaces.removeValue(forKey: number) != nil }
    }

    public func addressSpace(_ id: GPUAddressSpaceID) -> GPUAddressSpace? {
        switch id {
        case .mcu: mcu
        case .context(let number): contexts.withLock { $0.spaces[number] }
        }
    }

    /// The live contexts, by id.
    public var contextIDs: [GPUAddressSpaceID] {
        contexts.withLock { $0.spaces.keys.sorted().map { .context($0) } }
    }
}
