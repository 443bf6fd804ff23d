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
/// violation: accounting, protection of every live protected buffer page by page, zeroed free
/// protected memory, and no protected content (``ContentMarker``) read by a master with no
/// right to it or written into memory that is not protected.
///
/// The right to read protected content is a matter of place: a non-secure master may read a
/// marker only when every page the marker's bytes lie on is covered by a protection in force
/// (a secure-monitor record, or a hypervisor lend or share) that grants that master read. A
/// record grants nothing beyond its own pages, and content on a page no protection covers is
/// no non-secure master's to read. A read that carries any byte of a marker counts, not only
/// one that carries all sixteen: a master that reads protected content a few bytes at a time
/// leaks it a few bytes at a time, so each such read by a master with no right to it is a
/// violation. Likewise a write that completes or touches a marker any byte of which lies
/// where the normal-world CPU may read is a violation, however the content was split across
/// transactions (written in pieces, copied in halves).
///
/// The structural checks run on demand (after every event in tests); the content checks run
/// on every bus transaction once ``install()`` has made the checker the bus's observer.
public final class InvariantChecker: BusObserver, Sendable {
    public let board: Board
    private let seen = Mutex<[InvariantViolation]>([])
    /// The board's bus, memory and secure side, held here so the content checks, which run on
    /// every transaction, reach them without retaining each one through the board. The
    /// hypervisor is the one the board runs when the checker is made (boards start theirs
    /// as they are built).
    private let bus: Bus
    private let memory: PhysicalMemory
    private let monitor: SecureMonitor
    private let hypervisor: Hypervisor?

    /// Who the protections let read what, rebuilt when either the monitor's or the
    /// hypervisor's protections change: the generations it was built at (`nil` before the
    /// first) and the map.
    private let grants = Mutex<(generation: UInt64?, map: ReadGrantMap)>((nil, ReadGrantMap()))
    /// The map's answers for the standard masters (slot = index in ``BusMaster/standard``),
    /// asked on every read by one, without the lock.
    private let grantMemo: GrantMemo
    /// The standard masters, by id (held here: the global list is a lazily initialised
    /// global, checked on every access). A master is plain bits, so comparing one retains
    /// nothing.
    private let standardMasters: [BusMaster]
    private let standardNames = BusMaster.standard.map(\.name)
    /// The normal-world CPU, whose view of memory every write is judged by (held here: a
    /// static of `BusMaster` is a lazily initialised global, checked on every access).
    private let normalWorld = BusMaster.cpuNonSecure

    public init(board: Board) {
        self.board = board
        self.bus = board.bus
        self.memory = board.bus.memory
        self.monitor = board.secureMonitor
        self.hypervisor = board.secureMonitor.hypervisor
        let standard = BusMaster.standard
        self.grantMemo = GrantMemo(slots: standard.count)
        self.standardMasters = standard
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
        // Protection: every live protected buffer refuses the normal world, page for page (one
        // page opened inside a large buffer is as much a hole as the whole buffer opened).
        let protectedHeaps = Set(board.heaps.heaps.filter { $0.ops.statistics.isProtected }.map(\.name))
        for buffer in buffers {
            guard let name = buffer.heapName, protectedHeaps.contains(name), let backing = buffer.exporter.backing else { continue }
            for entry in backing.entries {
                guard let range = entry.range else { continue }
                for kind in [AccessKind.read, .write] {
                    guard let (first, pages) = openedPages(range, kind) else { continue }
                    let (lo, hi) = ReadGrantMap.pages(of: range)
                    let firstPage = PhysicalRange(base: PhysicalAddress(first.base.rawValue & ~(pageSize - 1)), size: pageSize)!
                    found.append(InvariantViolation(kind: .protection, detail: "\(buffer) of \(name) at \(range): the normal-world CPU may \(kind) \(pages) of its \((hi - lo) / pageSize) pages, the first at \(firstPage)"))
                }
            }
        }
        if scanFreeMemory { found += scanFreeProtectedMemory() }
        return found + contentViolations
    }

    /// The first stretch of `range` the normal-world CPU may perform `kind` on, and how many
    /// pages of `range` are open to it in all; `nil` when none is. One question to the bus per
    /// stretch where the filters' answers change, never one per page.
    private func openedPages(_ range: PhysicalRange, _ kind: AccessKind) -> (first: PhysicalRange, pages: UInt64)? {
        guard let first = bus.firstPermitted(normalWorld, range, kind) else { return nil }
        var pages: UInt64 = 0
        var open: PhysicalRange? = first
        while let stretch = open {
            let (lo, hi) = ReadGrantMap.pages(of: stretch)
            pages += (hi - lo) / pageSize
            open = stretch.end < range.end ? bus.firstPermitted(normalWorld, PhysicalRange(base: PhysicalAddress(stretch.end), size: range.end - stretch.end)!, kind) : nil
        }
        return (first, pages)
    }

    /// Free extents of protected pools that hold anything but zeros.
    func scanFreeProtectedMemory() -> [InvariantViolation] {
        var extents: [(String, PhysicalRange)] = []
        for heap in board.carveoutHeaps { extents += heap.freeExtents.map { (heap.name, $0) } }
        for heap in board.teeHeaps {
            if let pool = heap.pool as? TEEStaticPool, pool.scrubsOnFree { extents += pool.freeExtents.map { (heap.useCase.heapName ?? "tee", $0) } }
        }
        var found: [InvariantViolation] = []
        // Only pages that may hold data are read: the others were never written or were zeroed
        // whole since (PhysicalMemory's invariant, which its tests check against the bytes).
        for (name, extent) in extents where board.memory.dirtyPageCount(in: extent) > 0 {
            var page = extent.base.rawValue
            while page < extent.end {
                let range = PhysicalRange(base: PhysicalAddress(page), size: min(pageSize, extent.end - page))!
                if board.memory.dirtyPageCount(in: range) > 0, let bytes = try? board.bus.privileged.read(.cpuSecure, range), bytes.contains(where: { $0 != 0 }) {
                    found.append(InvariantViolation(kind: .scrubbing, detail: "free memory of \(name) at \(range) was not scrubbed"))
                    break
                }
                page += pageSize
            }
        }
        return found
    }

    // MARK: Content checks

    /// Whether protections in force grant `master` read on every page `range` touches: the
    /// map's answer, from the memo for a standard master while the protections stand still.
    private func entitled(_ master: BusMaster, everyPageOf range: PhysicalRange) -> Bool {
        let (lo, hi) = ReadGrantMap.pages(of: range)
        let slot = Int(master.id.rawValue)
        guard slot < standardMasters.count, standardMasters[slot] == master else {
            return currentGrants { $0.grants(name: master.name, everyPageOf: range) }.answer
        }
        let generation = protectionGeneration
        if let answer = grantMemo.answer(slot: slot, lo: lo, hi: hi, generation: generation) { return answer }
        let (answer, built) = currentGrants { $0.grants(slot: slot, everyPageOf: range) }
        grantMemo.remember(answer, slot: slot, lo: lo, hi: hi, generation: built)
        return answer
    }

    /// The monitor's and the hypervisor's protection generations as one number below 2^63
    /// (each wraps after billions of changes): it moves whenever either's protections change.
    private var protectionGeneration: UInt64 {
        let hypervisor = self.hypervisor?.protectionGeneration ?? 0
        return (monitor.protectionGeneration & 0x7fff_ffff) << 32 | (hypervisor & 0xffff_ffff)
    }

    /// `question` asked of the map of the protections in force (rebuilt first if they have
    /// changed), with the generation the map was built at. The generation is read before the
    /// records, so a map built while protections change is kept under the generation before
    /// the change, which no later question matches.
    private func currentGrants(_ question: (borrowing ReadGrantMap) -> Bool) -> (answer: Bool, generation: UInt64) {
        let generation = protectionGeneration
        return grants.withLock { grants in
            if grants.generation != generation {
                let records = monitor.protections + (hypervisor?.protections ?? [])
                grants = (generation, ReadGrantMap(records, standardNames: standardNames))
            }
            return (question(grants.map), grants.generation!)
        }
    }

    /// Whether the normal-world CPU may read any byte of `range`.
    @inline(__always)
    private func normalWorldReads(_ range: PhysicalRange) -> Bool {
        bus.firstPermitted(normalWorld, range, .read) != nil
    }

    /// `range` and the `ContentMarker.size - 1` bytes either side of it: where every marker
    /// lies that it holds any byte of.
    @inline(__always)
    private static func neighbourhood(of range: PhysicalRange) -> PhysicalRange {
        let margin = UInt64(ContentMarker.size - 1)
        let lo = range.base.rawValue - min(margin, range.base.rawValue)
        let (after, wraps) = range.end.addingReportingOverflow(margin)
        return PhysicalRange(base: PhysicalAddress(lo), size: (wraps ? UInt64.max : after) - lo)!
    }

    /// The marker that starts at `address`.
    @inline(__always)
    private static func marker(at address: UInt64) -> PhysicalRange {
        PhysicalRange(base: PhysicalAddress(address), size: UInt64(ContentMarker.size))!
    }

    // Each check needs two answers: is there a marker the transaction holds any byte of, and
    // does it matter here (a master not entitled to protected content there; memory the
    // normal world can read). Both are pure, so the cheaper is asked first. The second,
    // asked of the transaction's neighbourhood (where every such marker lies), settles
    // nearly every read (an entitled master's, from a memo) and large write (into protected
    // memory) without a byte being looked at or the memory around touched; a small write is
    // mostly a record into ordinary memory, which it settles nothing for, so its few bytes
    // are scanned first. Markers split across transactions are looked for in the memory up
    // to 15 bytes either side, read in place rather than through the bus (which would tell
    // the checker again): a few word compares whatever the transaction's size.

    /// Up to this many bytes, scanning a transaction for a marker costs less than asking
    /// about the master's right to all of it or about the memory.
    static let smallTransfer = 64

    public func observeRead(_ master: BusMaster, _ range: PhysicalRange, _ data: RawSpan) {
        guard !master.isSecure else { return }
        // Every marker the read carries any byte of lies in its neighbourhood: a master
        // entitled to all of that (a protected frame scanned out) can leak none, and nothing
        // more is read.
        guard !entitled(master, everyPageOf: Self.neighbourhood(of: range)) else { return }
        // Markers wholly inside the data; for a large read by a master entitled to all of the
        // data, none can matter.
        if data.byteCount <= Self.smallTransfer || !entitled(master, everyPageOf: range) {
            var offset = 0
            while let found = ContentMarker.first(in: data, from: offset) {
                if !entitled(master, everyPageOf: Self.marker(at: range.base.rawValue + UInt64(found.offset))) {
                    record(InvariantViolation(kind: .leak, detail: "\(master) read protected content #\(found.id) at \(range)"))
                    return
                }
                offset = found.offset + 1
            }
        }
        // Markers the read carries only part of.
        var leaked: (marker: PhysicalRange, id: UInt64)?
        forEachStraddlingMarker(range) { marker, id in
            guard !entitled(master, everyPageOf: marker) else { return true }
            leaked = (marker, id)
            return false
        }
        if let leaked {
            record(InvariantViolation(kind: .leak, detail: "\(master) read part of protected content #\(leaked.id) (its marker at \(leaked.marker)) at \(range)"))
        }
    }

    public func observeWrite(_ master: BusMaster, _ range: PhysicalRange, _ data: RawSpan) {
        var offset = 0
        if data.byteCount > Self.smallTransfer {
            // Every marker the write touches lies in its neighbourhood: where the normal world
            // may read none of that (a frame decoded into protected memory), none can leak.
            guard let open = bus.firstPermitted(normalWorld, Self.neighbourhood(of: range), .read) else { return }
            // Markers wholly inside the data only from where the normal world may first read
            // (a marker ending before lies wholly where it may not).
            if open.base.rawValue > range.base.rawValue { offset = max(0, Int(open.base.rawValue - range.base.rawValue) - (ContentMarker.size - 1)) }
        }
        while let found = ContentMarker.first(in: data, from: offset) {
            if normalWorldReads(Self.marker(at: range.base.rawValue + UInt64(found.offset))) {
                record(InvariantViolation(kind: .leak, detail: "\(master) wrote protected content #\(found.id) into unprotected memory at \(range)"))
                return
            }
            offset = found.offset + 1
        }
        checkStraddlingWrite(master, range)
    }

    /// A fill writes one byte everywhere, so no marker (eight different bytes of magic) lies
    /// wholly inside one; but a fill with one of the magic's bytes may complete a marker the
    /// rest of which is already there.
    public func observeFill(_ master: BusMaster, _ range: PhysicalRange, _ byte: UInt8) {
        guard ContentMarker.isMagicByte(byte), normalWorldReads(Self.neighbourhood(of: range)) else { return }
        checkStraddlingWrite(master, range)
    }

    /// A write that completes or touches part of a marker any byte of which the normal world
    /// may read.
    private func checkStraddlingWrite(_ master: BusMaster, _ range: PhysicalRange) {
        var leaked: (marker: PhysicalRange, id: UInt64)?
        forEachStraddlingMarker(range) { marker, id in
            guard normalWorldReads(marker) else { return true }
            leaked = (marker, id)
            return false
        }
        if let leaked {
            record(InvariantViolation(kind: .leak, detail: "\(master) wrote part of protected content #\(leaked.id) (its marker at \(leaked.marker)) into unprotected memory at \(range)"))
        }
    }

    /// The markers in DRAM that overlap `range` without lying wholly inside it, each handed
    /// to `body` (its range, its id) until `body` answers `false`.
    @inline(__always)
    private func forEachStraddlingMarker(_ range: PhysicalRange, _ body: (PhysicalRange, UInt64) -> Bool) {
        _ = memory.withSurroundings(of: range, margin: UInt64(ContentMarker.size - 1)) { base, around in
            ContentMarker.forEachStraddling(Int(range.base.rawValue - base.rawValue), Int(range.size), in: around) { position, id in
                body(Self.marker(at: base.rawValue + UInt64(position)), id)
            }
        }
    }

    private func record(_ violation: InvariantViolation) {
        seen.withLock { $0.append(violation) }
    }
}
