import ProtMemHeaps
@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE
import Synchronization

/// The secure world's root: what runs at EL3/S-EL1 (TF-A and the TEE) as far as memory
/// protection goes. It owns the board's only ``FirewallProgrammer``, records every range it
/// protects, and scrubs protected pages for the heaps that cannot.
///
/// At construction it plays the boot firmware: it puts a reset TZC-400 on the bus and opens
/// the background region to every master, so ordinary DRAM works; protected ranges are then
/// carved out of that background with ``protect(_:readers:writers:owner:reason:)``.
///
/// Everything that changes protection or touches protected bytes (`protect`, `unprotect`,
/// `scrub`, attaching a trusted OS or a hypervisor, fault injection) is the secure world's,
/// behind `@_spi(SecureWorld)`; the normal world reaches the monitor through ``smc(_:)`` only.
public final class SecureMonitor: Sendable {
    public let bus: Bus
    public let firewall: TZC400
    private let programmer: Mutex<FirewallProgrammer>
    private let records = Mutex<[ProtectionRecord]>([])
    /// Bumped whenever a protection is added or lifted: ``protectionGeneration``.
    private let recordChanges = Atomic<UInt64>(0)
    private let services = Mutex<Services>(Services())

    struct Services {
        var trustedOS: OPTEEOS?
        var hypervisor: Hypervisor?
        var faultInjector: (@Sendable (SMCRegisters) -> SMCRegisters?)?
    }

    /// The trusted OS the monitor hands OP-TEE's SMCs to.
    public var trustedOS: OPTEEOS? { services.withLock { $0.trustedOS } }

    /// The hypervisor FF-A memory calls go to, when the board runs one.
    public var hypervisor: Hypervisor? { services.withLock { $0.hypervisor } }

    /// Starts a hypervisor: it takes the host's FF-A calls and joins the bus path.
    @_spi(SecureWorld)
    public func attach(_ hypervisor: Hypervisor) {
        services.withLock { $0.hypervisor = hypervisor }
        bus.install(hypervisor)
    }

    /// Boots a trusted OS behind this monitor.
    @_spi(SecureWorld)
    public func attach(_ os: OPTEEOS) {
        services.withLock { $0.trustedOS = os }
    }

    /// A hook that sees every SMC first and may answer it instead (fault injection at the
    /// boundary); `nil` lets the call through. A test's power: an injector may answer for the
    /// secure world.
    @_spi(SecureWorld)
    public var faultInjector: (@Sendable (SMCRegisters) -> SMCRegisters?)? {
        get { services.withLock { $0.faultInjector } }
        set { services.withLock { $0.faultInjector = newValue } }
    }

    @_spi(SecureWorld)
    public init(bus: Bus, firewallRegions: Int = 8) {
        self.bus = bus
        let firewall = TZC400(regionCount: firewallRegions)
        self.firewall = firewall
        let programmer = FirewallProgrammer(firewall: firewall)
        // Cannot fail: region 0 with no range is always valid.
        try! programmer.configure(0, range: nil, secureRead: true, secureWrite: true, nonSecureRead: .all, nonSecureWrite: .all)
        self.programmer = Mutex(programmer)
        bus.install(firewall)
    }

    /// Programs a free firewall region over `range` so that only the secure CPU, `readers`
    /// and `writers` reach it. `FirewallError.noFreeRegion` when all regions are taken;
    /// nothing changes on error. `allocator` says who divides it into buffers (only ranges
    /// the normal world divides may be scrubbed on its request).
    @_spi(SecureWorld) @discardableResult
    public func protect(_ range: PhysicalRange, readers: [BusMaster], writers: [BusMaster], owner: String, reason: String,
                        allocator: ProtectionRecord.Allocator = .secureWorld) throws(FirewallError) -> ProtectionRecord {
        let record = try programmer.withLock { programmer throws(FirewallError) -> ProtectionRecord in
            guard range.isPageAligned, !range.isEmpty else { throw .notAligned(range) }
            guard let index = programmer.firstFreeRegion() else { throw .noFreeRegion }
            try programmer.configure(index, range: range, secureRead: true, secureWrite: true,
                                     nonSecureRead: NSAIDSet(readers), nonSecureWrite: NSAIDSet(writers))
            return ProtectionRecord(mechanism: firewall.filterName, region: index, range: range,
                                    readers: readers.map(\.name), writers: writers.map(\.name), owner: owner, reason: reason,
                                    allocator: allocator)
        }
        records.withLock {
            $0.append(record)
            recordChanges.add(1, ordering: .releasing)
        }
        return record
    }

    /// Lifts a protection made by ``protect(_:readers:writers:owner:reason:)``, after
    /// scrubbing the range so nothing protected is left readable. `false` when the record is
    /// not current or the scrub was refused (then the protection stays).
    @_spi(SecureWorld) @discardableResult
    public func unprotect(_ record: ProtectionRecord) -> Bool {
        guard let index = record.region, records.withLock({ $0.contains(record) }) else { return false }
        do { try scrub(record.range) } catch { return false }
        let disabled = programmer.withLock { programmer in (try? programmer.disable(index)) != nil }
        guard disabled else { return false }
        records.withLock {
            $0.removeAll { $0 == record }
            recordChanges.add(1, ordering: .releasing)
        }
        return true
    }

    /// A number that changes whenever a protection is added or lifted: while it stands still,
    /// ``protections`` and ``grantsRead(to:)`` answer as before, so a caller that asks often
    /// (the invariant checker, on every read that meets protected content) may keep answers.
    public var protectionGeneration: UInt64 { recordChanges.load(ordering: .acquiring) }

    /// Every protection in force, oldest first.
    public var protections: [ProtectionRecord] { records.withLock { $0 } }

    /// Whether `range` lies wholly inside one protection whose buffers the normal world
    /// allocates: what `PROTMEM_SIP_SCRUB` may wipe. Looked up in place (the records are not
    /// copied out), as it is asked for every freed protected buffer.
    func allowsScrub(of range: PhysicalRange) -> Bool {
        records.withLock { $0.contains { $0.allocator == .normalWorld && $0.range.contains(range) } }
    }

    /// Whether any protection in force grants `reader` (a bus master's name) read access:
    /// asked by the invariant checker whenever a master meets protected content, so it looks
    /// in place instead of copying the records out.
    public func grantsRead(to reader: String) -> Bool {
        records.withLock { $0.contains { $0.readers.contains(reader) } }
    }

    /// Zeroes `range` as the secure CPU.
    @_spi(SecureWorld)
    public func scrub(_ range: PhysicalRange) throws(AccessFault) {
        try bus.privileged.fill(.cpuSecure, range, with: 0)
    }

    /// Whether any byte of `range` is not zero, read as the secure CPU: protected memory that
    /// still holds something must not be handed back. Costs what was written (pages never
    /// written, or zeroed whole since, read as zero without being looked at).
    @_spi(SecureWorld)
    public func holdsData(_ range: PhysicalRange) -> Bool {
        guard bus.memory.dirtyPageCount(in: range) > 0 else { return false }
        var page = range.base.rawValue
        while page < range.end {
            let piece = PhysicalRange(base: PhysicalAddress(page), size: min(pageSize, range.end - page))!
            if bus.memory.dirtyPageCount(in: piece) > 0 {
                guard let bytes = try? bus.privileged.read(.cpuSecure, piece) else { return true }
                if bytes.contains(where: { $0 != 0 }) { return true }
            }
            page += piece.size
        }
        return false
    }
}
