import ProtMemDMABuf

/// The kernel code that registers a board's DMA-BUF heaps. With everything built in, they
/// come up at `device_initcall` in `drivers/Makefile`'s link order: `gpu/` first, then
/// `dma-buf/`, `firmware/` (arm_ffa) and `tee/`, which is why a built-in GPU driver that looks
/// its heap up probes before the heap exists.
public enum HeapProvider: String, Sendable, CaseIterable, CustomStringConvertible {
    /// `drivers/dma-buf/heaps/`: the system, CMA and carve-out heaps, each registered from its
    /// module's init with no device to bind.
    case dmaBufHeaps = "dma-buf heaps"
    /// `drivers/firmware/arm_ffa/`: the lend heap, once the FF-A bus has bound its partition.
    case armFFA = "arm_ffa"
    /// `drivers/tee/optee/`: the TEE's protected heaps, registered from `optee_probe`.
    case optee = "optee"

    /// Whether bringing the provider up binds a device: a bind is what makes the driver core
    /// retry deferred probes (`driver_deferred_probe_trigger` from `driver_bound`, once
    /// `late_initcall` has enabled deferred probing); a heap registered from a module's init
    /// alone retries nothing.
    public var bindsDevice: Bool { self != .dmaBufHeaps }

    public var description: String { rawValue }
}

/// One heap waiting for its provider.
struct HeapRegistration: Sendable {
    let provider: HeapProvider
    let name: String
    let ops: any DMAHeapOps
}

extension Board {
    /// Registers the heaps `provider` brings up that are not registered yet, in the order the
    /// board built them; returns their names. A name already taken fails with the provider and
    /// the heap named, leaving the heaps registered before it in place (as a driver that fails
    /// half-way through its init keeps what it added) and the rest still waiting.
    @discardableResult
    public func registerHeaps(of provider: HeapProvider) throws(BoardError) -> [String] {
        try registerHeaps { $0 == provider }
    }

    /// The provider's heaps but those named in `never`: their module never loads, so they
    /// stay unregistered (and ``unregisteredHeaps`` lists them) however long the board runs.
    @discardableResult
    public func registerHeaps(of provider: HeapProvider, except never: Set<String>) throws(BoardError) -> [String] {
        try registerHeaps(where: { $0 == provider }, except: never)
    }

    /// Heaps built but not registered yet, with their providers and operations (whose
    /// statistics say what each has free before anything can allocate from it).
    public var unregisteredHeaps: [(provider: HeapProvider, name: String, ops: any DMAHeapOps)] {
        pendingHeaps.withLock { $0.map { ($0.provider, $0.name, $0.ops) } }
    }

    @discardableResult
    func registerHeaps(where chosen: (HeapProvider) -> Bool, except never: Set<String> = []) throws(BoardError) -> [String] {
        let due = pendingHeaps.withLock { pending in
            let due = pending.filter { chosen($0.provider) && !never.contains($0.name) }
            pending.removeAll { chosen($0.provider) && !never.contains($0.name) }
            return due
        }
        var names: [String] = []
        for (index, registration) in due.enumerated() {
            do {
                try heaps.add(name: registration.name, ops: registration.ops)
            } catch {
                pendingHeaps.withLock { $0.insert(contentsOf: due[index...], at: 0) }
                throw BoardError("board \(name): \(registration.provider) cannot register heap \(registration.name): \(error)")
            }
            names.append(registration.name)
        }
        return names
    }
}
