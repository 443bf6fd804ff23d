import Synchronization

/// The interconnect: the only way any master reaches DRAM.
///
/// Every transaction is checked whole before a byte moves: the address must decode to DRAM
/// and every installed filter (firewall, stage-2, …) must permit the master on the whole
/// range. A refused transaction is recorded in ``faults`` and thrown; memory is untouched.
/// Checks cost O(filters × regions) per call, never per byte, so a bulk copy runs at
/// `memmove` speed.
public final class Bus: Sendable {
    public let memory: PhysicalMemory
    public let faults: FaultLog

    /// The filters and the observer a transaction consults. A path is never changed once
    /// published: installing a filter or setting the observer publishes a new one, and a
    /// transaction takes the current one once (a lock held for a load, and a reference),
    /// then asks its filters and tells its observer without the lock.
    private final class Path: Sendable {
        let filters: [any BusAccessFilter]
        /// The same filters as a chain, first installed first, which the checks walk.
        let chain: FilterChain?
        let observer: (any BusObserver)?

        init(filters: [any BusAccessFilter], observer: (any BusObserver)?) {
            self.filters = filters
            self.chain = filters.reversed().reduce(nil) { FilterChain($1, then: $0) }
            self.observer = observer
        }
    }

    /// A filter and the ones after it. The checks walk the chain from link to link through its
    /// `let`s, so each filter is called borrowed from the path (which the transaction holds),
    /// where a call on an element of an array retains and releases the filter every time.
    private final class FilterChain: Sendable {
        let filter: any BusAccessFilter
        let next: FilterChain?

        init(_ filter: any BusAccessFilter, then next: FilterChain?) {
            self.filter = filter
            self.next = next
        }

        /// Whether this filter and every one after it permit.
        func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
            guard filter.permits(master, range, kind) else { return false }
            return next?.permits(master, range, kind) ?? true
        }

        /// The first refusal of this filter or one after it.
        func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> AccessFault? {
            if let refused = filter.check(master, range, kind) {
                return AccessFault(master: master, address: refused.address, size: range.size, kind: kind, source: filter.filterName, reason: refused.reason)
            }
            return next?.check(master, range, kind)
        }

        /// `end`, or the lowest boundary inside `(start, end)` that this filter or one after it
        /// gives (only a boundary inside the piece counts: anything else would not make
        /// progress).
        func boundary(from start: UInt64, before end: UInt64) -> UInt64 {
            var end = end
            if let boundary = filter.boundary(in: PhysicalRange(base: PhysicalAddress(start), size: end - start)!), boundary.rawValue > start, boundary.rawValue < end {
                end = boundary.rawValue
            }
            return next?.boundary(from: start, before: end) ?? end
        }
    }

    /// The current path. The bus holds only this one, so it holds the observer only while it
    /// is installed (``observe(with:)``): an observer (the invariant checker) usually holds
    /// the board, and so the bus, and a path kept for ever would keep the whole board alive.
    /// A transaction under way holds the path it took until it is done.
    private let current: Mutex<Path>

    public init(memory: PhysicalMemory, faults: FaultLog = FaultLog()) {
        self.memory = memory
        self.faults = faults
        self.current = Mutex(Path(filters: [], observer: nil))
    }

    /// The current path, held for the caller.
    @inline(__always)
    private var path: Path { current.withLock { $0 } }

    /// Publishes a path with `filter` added and `observer` set, or with the current ones where
    /// `nil` (`observer: .some(nil)` removes it).
    private func publish(adding filter: (any BusAccessFilter)? = nil, observer: (any BusObserver)?? = nil) {
        // The path let go of (and with it maybe the last reference to an observer) is released
        // after the lock: an observer's deinit may do anything.
        let released: Path = current.withLock { path in
            let previous = path
            path = Path(filters: previous.filters + (filter.map { [$0] } ?? []), observer: observer ?? previous.observer)
            return previous
        }
        _ = consume released
    }

    /// Puts a filter on the path to DRAM. Filters only ever refuse, so installing one cannot
    /// weaken the others; there is deliberately no way to remove one. The secure world's (a
    /// filter sees every transaction, and the firewall and stage 2 are the secure world's).
    @_spi(SecureWorld)
    public func install(_ filter: any BusAccessFilter) {
        publish(adding: filter)
    }

    public var installedFilters: [any BusAccessFilter] { path.filters }

    /// Sets (or with `nil` removes) the observer that sees the data of every completed
    /// transaction: the invariant checker's view. Costs nothing while unset. The secure
    /// world's and the oracle's only: an observer sees every protected byte, and setting one
    /// displaces the checker.
    ///
    /// The bus holds the observer while it is installed and lets go of it here when it is
    /// replaced or removed, so an observer that holds the bus (or the board) keeps it alive
    /// only until it is removed. A transaction already under way on another thread may still
    /// tell the previous observer, which that transaction holds (with the path it took) until
    /// it is done.
    @_spi(SecureWorld)
    public func observe(with observer: (any BusObserver)?) {
        publish(observer: .some(observer))
    }

    /// The observer installed now, if any.
    @_spi(SecureWorld)
    public var installedObserver: (any BusObserver)? { path.observer }

    /// What the bus would answer, without recording anything: for set-up code that must
    /// confirm a region is protected before it relies on it.
    public func verdict(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> AccessFault? {
        check(master, range, kind, path)
    }

    /// Whether `master` may perform `kind` on every byte of `range`: the verdict's answer
    /// without its reason, recorded nowhere.
    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        admitted(master, range, kind, path)
    }

    /// The first stretch of `range` that `master` may perform `kind` on, as far as it runs
    /// unbroken; `nil` when no byte of `range` is open to it. Recorded nowhere.
    ///
    /// For a caller that must know whether any part of a range is open, not only all of it
    /// (the invariant checker: one page opened inside a protected buffer of thousands). The
    /// range is cut where a DRAM bank ends and wherever a filter's answer may change
    /// (``BusAccessFilter/boundary(in:)``), and each piece is asked whole, as a transaction
    /// would be: O(filters × pieces), never a question per byte or per page.
    public func firstPermitted(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> PhysicalRange? {
        let path = self.path
        var start = range.base.rawValue
        var first: UInt64?
        while start < range.end {
            let end = uniformEnd(from: start, before: range.end, path)
            if admitted(master, PhysicalRange(base: PhysicalAddress(start), size: end - start)!, kind, path) {
                if first == nil { first = start }
            } else if let first {
                return PhysicalRange(base: PhysicalAddress(first), size: start - first)
            }
            start = end
        }
        return first.map { PhysicalRange(base: PhysicalAddress($0), size: range.end - $0)! }
    }

    /// Where the piece of memory from `start` (below `limit`) that the bus answers alike for
    /// ends: at the end of its DRAM bank (or the start of the next, outside DRAM), or where a
    /// filter says its answer may change, whichever comes first.
    private func uniformEnd(from start: UInt64, before limit: UInt64, _ path: Path) -> UInt64 {
        var end = limit
        var bankIndex = 0
        while bankIndex < memory.banks.count {
            let bank = memory.banks[bankIndex].range
            if bank.base.rawValue <= start, start < bank.end {
                end = min(end, bank.end)
            } else if start < bank.base.rawValue {
                end = min(end, bank.base.rawValue)
            }
            bankIndex += 1
        }
        return path.chain?.boundary(from: start, before: end) ?? end
    }

    // MARK: Transactions

    // Each transaction exists twice: the public one, refused for a privileged master (see
    // `BusMaster.isPrivileged`), and the privileged path's (`Bus+Privileged.swift`). Both are
    // the one body below, inlined with the flag constant, so the check costs one test of the
    // master's bits on the public path and nothing on the other.

    /// Reads `buffer.byteCount` bytes at `address` into `buffer`.
    public func read(_ master: BusMaster, at address: PhysicalAddress, into buffer: inout MutableRawSpan) throws(AccessFault) {
        try read(master, at: address, into: &buffer, privileged: false)
    }

    /// Reads the bytes of `range`.
    public func read(_ master: BusMaster, _ range: PhysicalRange) throws(AccessFault) -> [UInt8] {
        try read(master, range, privileged: false)
    }

    /// Writes `bytes` at `address`.
    public func write(_ master: BusMaster, at address: PhysicalAddress, from bytes: RawSpan) throws(AccessFault) {
        try write(master, at: address, from: bytes, privileged: false)
    }

    /// Writes `count` bytes at `address` that `produce` puts straight into DRAM: for a device
    /// that generates its output (a decoder's frame), which would otherwise build it in a
    /// temporary only to copy it. The whole range is checked first, exactly as for the other
    /// writes; `produce` runs only once it is admitted, is lent exactly those `count` bytes
    /// and must fill every one; the observer then sees what was written.
    public func write(_ master: BusMaster, at address: PhysicalAddress, count: Int, producing produce: (inout MutableRawSpan) -> Void) throws(AccessFault) {
        try write(master, at: address, count: count, privileged: false, producing: produce)
    }

    /// Reads `count` bytes at `address` and lends them to `consume` in place, without a copy:
    /// for a master that only looks at what it reads (a scan-out engine). The range is checked
    /// first and the observer sees the bytes, as for the copying reads.
    public func read(_ master: BusMaster, at address: PhysicalAddress, count: Int, viewing consume: (RawSpan) -> Void) throws(AccessFault) {
        try read(master, at: address, count: count, privileged: false, viewing: consume)
    }

    /// Writes `bytes` at `address`.
    public func write(_ master: BusMaster, at address: PhysicalAddress, bytes: [UInt8]) throws(AccessFault) {
        try write(master, at: address, bytes: bytes, privileged: false)
    }

    /// A DMA copy by one master: it must be allowed to read the source and write the
    /// destination. Overlapping ranges copy as `memmove` does.
    public func copy(_ master: BusMaster, from source: PhysicalAddress, to destination: PhysicalAddress, count: UInt64) throws(AccessFault) {
        try copy(master, from: source, to: destination, count: count, privileged: false)
    }

    /// Fills `range` with `byte`. A zero fill writes only the pages that may hold data
    /// (``PhysicalMemory``'s map of written pages), which is how scrubbing keeps a board
    /// sparse and runs at `memset`'s speed.
    public func fill(_ master: BusMaster, _ range: PhysicalRange, with byte: UInt8) throws(AccessFault) {
        try fill(master, range, with: byte, privileged: false)
    }

    // The bodies. Each asks ``admit(_:_:_:_:_:)`` for the range and the path, then moves the
    // bytes through ``PhysicalMemory``'s checked operations and tells the path's observer.

    /// Reads `buffer.byteCount` bytes at `address` into `buffer`.
    @inline(__always)
    func read(_ master: BusMaster, at address: PhysicalAddress, into buffer: inout MutableRawSpan, privileged: Bool) throws(AccessFault) {
        guard buffer.byteCount > 0 else { return }
        let (range, path) = try admit(master, address, UInt64(buffer.byteCount), .read, privileged)
        memory.copy(range, into: &buffer)
        path.observer?.observeRead(master, range, buffer.bytes)
    }

    /// Reads the bytes of `range`.
    @inline(__always)
    func read(_ master: BusMaster, _ range: PhysicalRange, privileged: Bool) throws(AccessFault) -> [UInt8] {
        let (_, path) = try admit(master, range.base, range.size, .read, privileged)
        guard range.size > 0 else { return [] }
        let bytes = memory.bytes(range)
        path.observer?.observeRead(master, range, bytes.span.bytes)
        return bytes
    }

    /// Writes `bytes` at `address`.
    @inline(__always)
    func write(_ master: BusMaster, at address: PhysicalAddress, from bytes: RawSpan, privileged: Bool) throws(AccessFault) {
        guard bytes.byteCount > 0 else { return }
        let (range, path) = try admit(master, address, UInt64(bytes.byteCount), .write, privileged)
        memory.copy(from: bytes, to: address)
        tellWrite(path, master, range)
    }

    /// Writes `count` bytes at `address` that `produce` puts straight into DRAM (see the
    /// public form).
    @inline(__always)
    func write(_ master: BusMaster, at address: PhysicalAddress, count: Int, privileged: Bool, producing produce: (inout MutableRawSpan) -> Void) throws(AccessFault) {
        guard count > 0 else { return }
        let (range, path) = try admit(master, address, UInt64(count), .write, privileged)
        memory.withMutableBytes(range, produce)
        tellWrite(path, master, range)
    }

    /// Reads `count` bytes at `address` and lends them to `consume` in place (see the public
    /// form).
    @inline(__always)
    func read(_ master: BusMaster, at address: PhysicalAddress, count: Int, privileged: Bool, viewing consume: (RawSpan) -> Void) throws(AccessFault) {
        precondition(count >= 0, "a read of \(count) bytes")
        let (range, path) = try admit(master, address, UInt64(count), .read, privileged)
        memory.withBytes(range) { bytes in
            if count > 0 { path.observer?.observeRead(master, range, bytes) }
            consume(bytes)
        }
    }

    /// Writes `bytes` at `address`.
    @inline(__always)
    func write(_ master: BusMaster, at address: PhysicalAddress, bytes: [UInt8], privileged: Bool) throws(AccessFault) {
        try write(master, at: address, from: bytes.span.bytes, privileged: privileged)
    }

    /// A DMA copy by one master: it must be allowed to read the source and write the
    /// destination. Overlapping ranges copy as `memmove` does.
    @inline(__always)
    func copy(_ master: BusMaster, from source: PhysicalAddress, to destination: PhysicalAddress, count: UInt64, privileged: Bool) throws(AccessFault) {
        guard count > 0 else { return }
        let (from, path) = try admit(master, source, count, .read, privileged)
        let (to, _) = try admit(master, destination, count, .write, privileged)
        if path.observer != nil { memory.withBytes(from) { path.observer?.observeRead(master, from, $0) } }
        memory.move(from: source, to: destination, count: count)
        tellWrite(path, master, to)
    }

    /// Fills `range` with `byte`. A zero fill writes only the pages that may hold data
    /// (``PhysicalMemory``'s map of written pages), which is how scrubbing keeps a board
    /// sparse and runs at `memset`'s speed.
    @inline(__always)
    func fill(_ master: BusMaster, _ range: PhysicalRange, with byte: UInt8, privileged: Bool) throws(AccessFault) {
        let (_, path) = try admit(master, range.base, range.size, .write, privileged)
        guard range.size > 0 else { return }
        memory.fill(range, with: byte)
        path.observer?.observeFill(master, range, byte)
    }

    /// Tells the path's observer, if any, what `range` holds now that `master` wrote it.
    @inline(__always)
    private func tellWrite(_ path: Path, _ master: BusMaster, _ range: PhysicalRange) {
        // Asked through the path each time (not bound to a local), so the observer is called
        // borrowed from the path rather than retained for the call.
        if path.observer != nil { memory.withBytes(range) { path.observer?.observeWrite(master, range, $0) } }
    }

    // MARK: Checking

    /// The range of an admitted transaction (and the path whose observer to tell), or the
    /// recorded fault.
    @inline(__always)
    private func admit(_ master: BusMaster, _ address: PhysicalAddress, _ size: UInt64, _ kind: AccessKind, _ privileged: Bool) throws(AccessFault) -> (PhysicalRange, Path) {
        if !privileged, master.isPrivileged {
            let fault = AccessFault(master: master, address: address, size: size, kind: kind, source: "interconnect",
                                    reason: "\(master) transactions are issued only by the secure world or a device's protected mode, never by normal-world software")
            faults.record(fault)
            throw fault
        }
        guard let range = PhysicalRange(base: address, size: size) else {
            let fault = AccessFault(master: master, address: address, size: size, kind: kind, source: "interconnect", reason: "address range wraps past 2^64")
            faults.record(fault)
            throw fault
        }
        let path = self.path
        // The usual answer, yes, without building a verdict (an optional fault, large enough
        // to be returned through memory); a refusal is judged again for its reason.
        if admitted(master, range, kind, path) { return (range, path) }
        if let fault = check(master, range, kind, path) {
            faults.record(fault)
            path.observer?.observeFault(fault)
            throw fault
        }
        return (range, path)
    }

    /// Whether `range` decodes to DRAM and every filter permits.
    @inline(__always)
    private func admitted(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind, _ path: Path) -> Bool {
        guard memory.contains(range) else { return false }
        return path.chain?.permits(master, range, kind) ?? true
    }

    private func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind, _ path: Path) -> AccessFault? {
        guard memory.contains(range) else {
            return AccessFault(master: master, address: range.base, size: range.size, kind: kind, source: "interconnect", reason: "no DRAM decodes the whole range \(range) (decode error)")
        }
        return path.chain?.check(master, range, kind)
    }
}
