@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE
import Synchronization

/// A protected hypervisor in the manner of pKVM: it tracks who owns every page (stage 2),
/// answers the host's FF-A memory calls (`MEM_SHARE`, `MEM_LEND`, `MEM_RECLAIM`) with
/// handles, plays the borrowing endpoints (each retrieves what it is given and relinquishes
/// it when the lender asks with a direct message), and sits in the bus path as a filter.
///
/// On a lent page only the masters the receiving endpoint is granted get through (its
/// protected devices, through their IOMMU mappings), and only while the endpoint holds it
/// (relinquished, it is nobody's until reclaimed); under the ``LendModel/strict`` model
/// the host CPU and every other non-secure master are refused. Shared pages stay open to the
/// host. The host gives only what it owns (no page another transaction holds, no page the
/// firewall protects), gets nothing back that the borrower still holds (`FFA_DENIED` until
/// it relinquishes), and gets lent pages back scrubbed. The hypervisor is the only code that
/// changes stage 2.
public final class Hypervisor: BusAccessFilter {
    /// What the host's stage 2 does with a lent page.
    public enum LendModel: String, Sendable, Hashable, CaseIterable {
        /// The page leaves the host's stage 2: every host access faults (`stage2`). What the
        /// model's invariants assume, and what a pKVM that enforced `FFA_MEM_LEND` would do.
        case strict
        /// Upstream pKVM ("KVM: arm64: Handle FFA_MEM_LEND calls from the host", 2025): the
        /// host's stage 2 treats LEND like SHARE and leaves enforcement to the secure world,
        /// so the host CPU can still reach lent pages and only the oracle sees the leak.
        case upstream
    }

    public let filterName = "stage2"
    /// The bus it sits on, not held: the bus holds the hypervisor (one of its filters), so
    /// holding the bus back would keep both, and the board, alive for ever.
    public unowned let bus: Bus
    /// Endpoints memory can be lent or shared to, by FF-A id, with the masters each may use.
    public let receivers: [UInt16: OPTEEConfiguration.Grant]
    public let lendModel: LendModel

    struct Transaction: Hashable, Sendable {
        let handle: UInt64
        let receiver: UInt16
        let lent: Bool
        let ranges: [PhysicalRange]
        let tag: UInt64
        /// The borrower holds the memory (`FFA_MEM_RETRIEVE_REQ` done, no `FFA_MEM_RELINQUISH`
        /// yet): the lender may not reclaim it.
        var retrieved: Bool
    }

    struct State {
        var ownership = Stage2Ownership()
        var transactions: [UInt64: Transaction] = [:]
        var nextHandle: UInt64 = 0x1_0000_0001
        var transmitBuffer: PhysicalRange?
        /// What each live transaction protects, by handle.
        var records: [UInt64: [ProtectionRecord]] = [:]
        /// Bumped by every lend, share, relinquish and reclaim: ``protectionGeneration``.
        var generation: UInt64 = 0
        /// Fault injection: the next lend or share answers this error.
        var failNextTransaction: FFA.ErrorCode?
    }

    let state = Mutex(State())

    /// A hypervisor for `bus`, which it does not keep alive (the bus holds it once it is
    /// installed): keep the bus for as long as the hypervisor is used.
    public init(bus: Bus, receivers: [UInt16: OPTEEConfiguration.Grant], lendModel: LendModel = .strict) {
        self.bus = bus
        self.receivers = receivers
        self.lendModel = lendModel
    }

    /// The state of the page at `address`.
    public func pageState(at address: PhysicalAddress) -> Stage2PageState {
        state.withLock { state in
            state.ownership.overlapping(PhysicalRange(base: address, size: 1)!).first?.state ?? .hostOwned
        }
    }

    /// What stage 2 protects now and for whom, as the secure monitor's records are shown.
    public var protections: [ProtectionRecord] {
        state.withLock { state in state.records.sorted { $0.key < $1.key }.flatMap(\.value) }
    }

    /// Whether any protection in force grants `reader` read access: ``protections`` asked in
    /// place, without sorting or copying them (the invariant checker asks it on hot paths).
    public func grantsRead(to reader: String) -> Bool {
        state.withLock { state in state.records.values.contains { $0.contains { $0.readers.contains(reader) } } }
    }
    public var liveTransactions: Int { state.withLock { $0.transactions.count } }

    /// Fault injection (a test's power): the next lend or share answers `code`.
    @_spi(SecureWorld)
    public func failNextTransaction(with code: FFA.ErrorCode) {
        state.withLock { $0.failNextTransaction = code }
    }

    // MARK: The bus filter

    public func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)? {
        guard !master.isSecure else { return nil }
        return state.withLock { state in
            for entry in state.ownership.overlapping(range) {
                let address = PhysicalAddress(max(entry.range.base.rawValue, range.base.rawValue))
                switch entry.state {
                case .hostOwned, .shared:
                    continue
                case .hypervisorOwned:
                    return (address, "page is hypervisor-owned")
                case .lent(let handle):
                    if lendModel == .upstream { continue }
                    if let transaction = state.transactions[handle], !transaction.retrieved {
                        return (address, "page is lent (handle 0x\(String(handle, radix: 16))) and its borrower has relinquished it: nothing reaches it until the host reclaims it")
                    }
                    guard let transaction = state.transactions[handle], let grant = receivers[transaction.receiver],
                          (kind == .read ? grant.readers : grant.writers).contains(where: { $0.nsaid == master.nsaid }) else {
                        return (address, "page is lent to another endpoint (handle 0x\(String(handle, radix: 16))); the host may not \(kind) it")
                    }
                }
            }
            return nil
        }
    }

    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        guard !master.isSecure else { return true }
        return state.withLock { state in
            state.ownership.overlapping(range).allSatisfy { entry in
                switch entry.state {
                case .hostOwned, .shared: true
                case .hypervisorOwned: false
                case .lent(let handle):
                    lendModel == .upstream || state.transactions[handle].flatMap { $0.retrieved ? receivers[$0.receiver] : nil }
                        .map { (kind == .read ? $0.readers : $0.writers).contains { $0.nsaid == master.nsaid } } ?? false
                }
            }
        }
    }

    // MARK: FF-A

    static func owns(_ function: UInt64) -> Bool {
        function & 0xBFFF_FF00 == 0x8400_0000
    }

    func handle(_ registers: SMCRegisters) -> SMCRegisters {
        switch registers.a0 {
        case FFA.rxtxMap:
            guard registers.a3 >= 1, let tx = PhysicalRange(base: PhysicalAddress(registers.a1), size: registers.a3 << pageShift),
                  tx.isPageAligned, bus.permits(.cpuNonSecure, tx, .write) else {
                return FFA.errorRegisters(.invalidParameters)
            }
            state.withLock { $0.transmitBuffer = tx }
            return SMCRegisters(FFA.success32)
        case FFA.memoryLend, FFA.memoryShare:
            return transact(lend: registers.a0 == FFA.memoryLend, length: registers.a1, fragment: registers.a2, buffer: registers.a3)
        case FFA.memoryReclaim:
            return reclaim(SMCRegisters.joining(high: registers.a2, low: registers.a1))
        case FFA.messageSendDirectRequest32, FFA.messageSendDirectRequest64:
            return directRequest(registers)
        default:
            return FFA.errorRegisters(.notSupported)
        }
    }

    /// `MEM_LEND`/`MEM_SHARE` from the TX buffer, in one fragment: every constituent must be
    /// DRAM the host owns and the receiver known; all or nothing. The host owns a page when no
    /// other transaction holds it and nothing the firewall protects covers it: lending a
    /// carve-out's pages would hand live protected buffers to another endpoint, and their
    /// reclaim would wipe them. The borrower retrieves the memory as the call completes.
    private func transact(lend: Bool, length: UInt64, fragment: UInt64, buffer: UInt64) -> SMCRegisters {
        guard buffer == 0, length == fragment, length > 0, let tx = state.withLock({ $0.transmitBuffer }), length <= tx.size,
              let bytes = try? bus.privileged.read(.cpuSecure, PhysicalRange(base: tx.base, size: length)!),
              let region = FFAMemoryRegion.decode(bytes), region.sender == FFA.hostEndpoint, receivers[region.receiver] != nil else {
            return FFA.errorRegisters(.invalidParameters)
        }
        let sorted = region.constituents.sorted { $0.base < $1.base }
        guard zip(sorted, sorted.dropFirst()).allSatisfy({ $0.end <= $1.base.rawValue }),
              sorted.allSatisfy({ bus.memory.contains($0) }) else {
            return FFA.errorRegisters(.invalidParameters)
        }
        // Asked before taking the lock: the bus asks this hypervisor too (it is one of its
        // filters), and every other filter refusing the host CPU a page means the host does
        // not own it.
        guard sorted.allSatisfy({ hostMayWriteBesidesStage2($0) }) else { return FFA.errorRegisters(.denied) }
        return state.withLock { state in
            if let injected = state.failNextTransaction.take() { return FFA.errorRegisters(injected) }
            guard sorted.allSatisfy({ state.ownership.isHostOwned($0) }) else { return FFA.errorRegisters(.denied) }
            let handle = state.nextHandle
            state.nextHandle += 1
            for range in sorted { state.ownership.assign(range, lend ? .lent(handle: handle) : .shared(handle: handle)) }
            state.transactions[handle] = Transaction(handle: handle, receiver: region.receiver, lent: lend, ranges: sorted,
                                                     tag: region.tag, retrieved: true)
            let grant = receivers[region.receiver]!
            state.records[handle] = sorted.map { range in
                ProtectionRecord(mechanism: filterName, region: nil, range: range,
                                                      readers: grant.readers.map(\.name), writers: grant.writers.map(\.name),
                                                      owner: "ffa endpoint 0x\(String(region.receiver, radix: 16))",
                                                      reason: "\(lend ? "FFA_MEM_LEND" : "FFA_MEM_SHARE") handle 0x\(String(handle, radix: 16)) tag \(region.tag)")
            }
            state.generation &+= 1
            return SMCRegisters(FFA.success32, 0, handle & 0xFFFF_FFFF, handle >> 32)
        }
    }

    /// Whether every filter on the bus but this one lets the host CPU write `range`: the
    /// firewall's protections are memory the host does not own.
    private func hostMayWriteBesidesStage2(_ range: PhysicalRange) -> Bool {
        bus.installedFilters.allSatisfy { $0 === self || $0.permits(.cpuNonSecure, range, .write) }
    }

    /// `MEM_RECLAIM`: refused (`FFA_DENIED`) while the borrower still holds the memory, as
    /// FF-A requires; lent pages are scrubbed before the host gets them back.
    private func reclaim(_ handle: UInt64) -> SMCRegisters {
        guard let transaction = state.withLock({ $0.transactions[handle] }) else { return FFA.errorRegisters(.invalidParameters) }
        guard !transaction.retrieved else { return FFA.errorRegisters(.denied) }
        if transaction.lent {
            for range in transaction.ranges {
                guard (try? bus.privileged.fill(.cpuSecure, range, with: 0)) != nil else { return FFA.errorRegisters(.aborted) }
            }
        }
        state.withLock { state in
            _ = state.ownership.release(transaction.lent ? .lent(handle: handle) : .shared(handle: handle))
            state.transactions[handle] = nil
            state.records[handle] = nil
            state.generation &+= 1
        }
        return SMCRegisters(FFA.success32)
    }

    /// `FFA_MSG_SEND_DIRECT_REQ` from the host to one of the borrowing endpoints. The model's
    /// endpoints speak one message (``FFA/EndpointMessage``): `RELINQUISH` a handle they hold,
    /// after which the host may reclaim it. An endpoint relinquishes only what was lent or
    /// shared to it, once; anything else is answered in the response's status word.
    private func directRequest(_ registers: SMCRegisters) -> SMCRegisters {
        let sender = UInt16(truncatingIfNeeded: registers.a1 >> 16)
        let receiver = UInt16(truncatingIfNeeded: registers.a1)
        guard sender == FFA.hostEndpoint, receivers[receiver] != nil else { return FFA.errorRegisters(.invalidParameters) }
        let answer = { (status: FFA.EndpointStatus) in
            SMCRegisters(FFA.messageSendDirectResponse32, UInt64(receiver) << 16 | UInt64(sender), 0, UInt64(UInt32(bitPattern: status.rawValue)))
        }
        guard registers.a3 == FFA.EndpointMessage.relinquish.rawValue else { return answer(.notSupported) }
        let handle = SMCRegisters.joining(high: registers.a5, low: registers.a4)
        return state.withLock { state in
            guard var transaction = state.transactions[handle], transaction.receiver == receiver else { return answer(.noSuchHandle) }
            guard transaction.retrieved else { return answer(.notHeld) }
            transaction.retrieved = false
            state.transactions[handle] = transaction
            state.generation &+= 1
            return answer(.success)
        }
    }

    public func _checkInvariants() {
        state.withLock { state in
            state.ownership._checkInvariants()
            let pages = state.transactions.values.reduce(0) { $0 + $1.ranges.count }
            precondition(pages == state.ownership.entries.count, "stage-2 entries out of step with FF-A transactions")
        }
    }
}
