import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
@_spi(SecureWorld) import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import Synchronization

/// A broken invariant, found by ``InvariantChecker``.
public struct InvariantViolation: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Reference counts or byte accounting do not add up.
        case accounting
        /// A protected buffer is reachable by the normal world.
        case protection
        /// Freed protected memory still holds data.
        case scrubbing
        /// Protected content was seen where it must not be.
        case leak
    }

    public let kind: Kind
    public let detail: String

    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// Checks what must always hold on a board, without trapping, so a run can report every
/// violation: accounting, protection of every live protected buffer, zeroed free protected
/// memory, and no protected content (``ContentMarker``) read by a master with no right to it
/// or written into memory that is not protected.
///
/// The structural checks run on demand (after every event in tests); the content checks run
/// on every bus transaction once ``install()`` has made the checker the bus's observer.
public final class InvariantChecker: BusObserver, @unchecked Sendable {
    public let board: Board
    private let seen = Mutex<[InvariantViolation]>([])
    /// The board's bus and secure monitor, held here so the content checks, which run on
    /// every transaction, reach them without retaining each one through the board.
    private let bus: Bus
    private let monitor: SecureMonitor

    /// The secure monitor's answer to ``SecureMonitor/grantsRead(to:)`` for each standard
    /// master, with the protection generation it was given at: one word per master, the
    /// generation plus one above the answer's bit, zero for none yet. Asked on every read
    /// that meets a marker, where asking the monitor takes its lock and compares names.
    private let grantCache: UnsafeMutablePointer<Atomic<UInt64>>
    /// The standard masters the cache keeps answers for, by id (held here: the global list
    /// is a lazily initialised global, checked on every access), in memory of the checker's
    /// own, so a question compares one in place without retaining the list or the name.
    private let standardMasters: UnsafeMutablePointer<BusMaster>
    private let standardMasterCount = BusMaster.standard.count
    /// The normal-world CPU, whose view of memory every write is judged by (held here: a
    /// static of `BusMaster` is a lazily initialised global, checked on every access).
    private let normalWorld = BusMaster.cpuNonSecure

    public init(board: Board) {
        self.board = board
        self.bus = board.bus
        self.monitor = board.secureMonitor
        let standard = BusMaster.standard
        self.grantCache = .allocate(capacity: standard.count)
        for index in standard.indices { (grantCache + index).initialize(to: Atomic(0)) }
        self.standardMasters = .allocate(capacity: standard.count)
        for index in standard.indices { (standardMasters + index).initialize(to: standard[index]) }
    }

    deinit {
        grantCache.deinitialize(count: standardMasterCount)
        grantCache.deallocate()
        standardMasters.deinitialize(count: standardMasterCount)
        standardMasters.deallocate()
    }

    /// ``SecureMonitor/grantsRead(to:)`` for `master`, kept per standard master while the
    /// monitor's protections stand still. The generation is read before the answer, so an
    /// answer given while protections change is kept under the generation before the
    /// change, which no later question matches.
    private func monitorGrantsRead(to master: BusMaster) -> Bool {
        let index = Int(master.id.rawValue)
        // Compared in place: copying the entry out of an array would retain its name.
        guard index < standardMasterCount, standardMasters[index] == master else { return monitor.grantsRead(to: master.name) }
        let generation = monitor.protectionGeneration
        let cached = grantCache[index].load(ordering: .relaxed)
        if cached >> 1 == generation &+ 1 { return cached & 1 != 0 }
        let answer = monitor.grantsRead(to: master.name)
        grantCache[index].store((generation &+ 1) << 1 | (answer ? 1 : 0), ordering: .relaxed)
        return answer
    }

    /// Starts watching every transaction's data.
    public func install() { board.bus.observe(with: self) }
    public func uninstall() { board.bus.observe(with: nil) }

    /// Violations the content checks recorded so far.
    public var contentViolations: [InvariantViolation] { seen.withLock { $0 } }

    // MARK: Structural checks

    /// Every structural check; `scanFreeMemory` also reads free protected memory for leftovers
    /// (only the pages the host holds, so it costs what was touched).
    public func check(scanFreeMemory: Bool = false) -> [InvariantViolation] {
        var found: [InvariantViolation] = []
        let buffers = board.dmaBufs.buffers
        // Accounting: the list's total, each buffer's holders, each protected pool's bytes.
        let listed = buffers.reduce(UInt64(0)) { $0 + $1.size }
        if listed != board.dmaBufs.totalBytes {
            found.append(InvariantViolation(kind: .accounting, detail: "dma-buf list counts \(board.dmaBufs.totalBytes) bytes but its buffers hold \(listed)"))
        }
        for buffer in buffers where buffer.isReleased || buffer.referenceCount + buffer.pinCount == 0 {
            found.append(InvariantViolation(kind: .accounting, detail: "\(buffer) is listed with no holder"))
        }
        for heap in board.heaps.heaps {
            let stats = heap.ops.statistics
            guard stats.isProtected, ["carveout", "optee-static", "optee-dynamic", "mtk-restricted"].contains(stats.kind) else { continue }
            let live = buffers.filter { $0.heapName == heap.name }.reduce(UInt64(0)) { $0 + $1.size }
            let quarantined = (heap.ops as? CarveoutHeap)?.quarantined.reduce(UInt64(0)) { $0 + $1.size } ?? 0
            if stats.size - stats.free != live + quarantined {
                found.append(InvariantViolation(kind: .accounting, detail: "heap \(heap.name) has \(stats.size - stats.free) bytes in use but its live buffers hold \(live)"))
            }
        }
        // Protection: every live protected buffer refuses the normal world, page for page.
        let protectedHeaps = Set(board.heaps.heaps.filter { $0.ops.statistics.isProtected }.map(\.name))
        for buffer in buffers {
            guard let name = buffer.heapName, protectedHeaps.contains(name), let backing = buffer.exporter.backing else { continue }
            for entry in backing.entries {
                guard let range = entry.range else { continue }
                for kind in [AccessKind.read, .write] where board.bus.permits(.cpuNonSecure, range, kind) {
                    found.append(InvariantViolation(kind: .protection, detail: "\(buffer) of \(name) at \(range): the normal-world CPU may \(kind) it"))
                }
            }
        }
        if scanFreeMemory { found += scanFreeProtectedMemory() }
        return found + contentViolations
    }

    /// Free extents of protected pools that hold anything but zeros.
    func scanFreeProtectedMemory() -> [InvariantViolation] {
        var extents: [(String, PhysicalRange)] = []
        for heap in board.carveoutHeaps { extents += heap.freeExtents.map { (heap.name, $0) } }
        for heap in board.teeHeaps {
            if let pool = heap.pool as? TEEStaticPool, pool.scrubsOnFree { extents += pool.freeExtents.map { (heap.useCase.heapName ?? "tee", $0) } }
        }
        var found: [InvariantViolation] = []
        for (name, extent) in extents where board.memory.residentPageCount(in: extent) > 0 {
            var page = extent.base.rawValue
            while page < extent.end {
                let range = PhysicalRange(base: PhysicalAddress(page), size: min(pageSize, extent.end - page))!
                if board.memory.residentPageCount(in: range) > 0, let bytes = try? board.bus.privileged.read(.cpuSecure, range), bytes.contains(where: { $0 != 0 }) {
                    found.append(InvariantViolation(kind: .scrubbing, detail: "free memory of \(name) at \(range) was not scrubbed"))
                    break
                }
                page += pageSize
            }
        }
        return found
    }

    // MARK: Content checks

    /// Masters entitled to protected content: secure ones, and those a protection grants.
    private func entitled(_ master: BusMaster) -> Bool {
        if master.isSecure { return true }
        // Asked on every read that meets a marker: each list is asked in place, under its own
        // lock, rather than copied out (and the hypervisor's sorted) first.
        if monitorGrantsRead(to: master) { return true }
        return monitor.hypervisor?.grantsRead(to: master.name) ?? false
    }

    // Each check needs two answers: is there a marker in the data, and does it matter here
    // (a master not entitled to protected content; memory the normal world can read). Both
    // are pure, so the cheaper one is asked first: for a few bytes the scan, for more the
    // question about the master or the memory, which skips a pass over every byte.

    /// Up to this many bytes, scanning for a marker costs less than asking about the master
    /// or the memory.
    static let smallTransfer = 64

    public func observeRead(_ master: BusMaster, _ range: PhysicalRange, _ data: UnsafeRawBufferPointer) {
        let id: UInt64
        if data.count <= Self.smallTransfer {
            guard let found = ContentMarker.firstID(in: data), !entitled(master) else { return }
            id = found
        } else {
            guard !entitled(master), let found = ContentMarker.firstID(in: data) else { return }
            id = found
        }
        record(InvariantViolation(kind: .leak, detail: "\(master) read protected content #\(id) at \(range)"))
    }

    public func observeWrite(_ master: BusMaster, _ range: PhysicalRange, _ data: UnsafeRawBufferPointer) {
        let id: UInt64
        if data.count <= Self.smallTransfer {
            guard let found = ContentMarker.firstID(in: data), bus.permits(normalWorld, range, .read) else { return }
            id = found
        } else {
            guard bus.permits(normalWorld, range, .read), let found = ContentMarker.firstID(in: data) else { return }
            id = found
        }
        record(InvariantViolation(kind: .leak, detail: "\(master) wrote protected content #\(id) into unprotected memory at \(range)"))
    }

    private func record(_ violation: InvariantViolation) {
        seen.withLock { $0.append(violation) }
    }
}
