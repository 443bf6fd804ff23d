#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// published: installing a filter or setting the observer publishes a new one. So a
    /// transaction reads the current path with one atomic load, takes no lock and retains
    /// nothing, where it used to take the bus's lock and retain the observer every time.
    private final class Path: Sendable {
        let filters: [any BusAccessFilter]
        /// The same filters, for the checks to call without retaining each (`filters` holds
        /// them for as long as the path lives).
        let borrowed: [BorrowedFilter]
        /// The observer, unretained: the bus holds it while it is installed
        /// (``Bus/installedObserver``), not every path that ever named it. An observer (the
        /// invariant checker) usually holds the board, and so the bus; kept by every path,
        /// which live as long as the bus, it would keep the whole board alive for ever.
        let borrowedObserver: BorrowedObserver?

        init(filters: [any BusAccessFilter], observer: (any BusObserver)?) {
            self.filters = filters
            self.borrowed = filters.map { BorrowedFilter($0) }
            self.borrowedObserver = observer.map { BorrowedObserver($0) }
        }
    }

    /// An observer unretained, with its type, told through the type, borrowed (the bus holds
    /// it while it is installed): as for the filters, a call through the existential would
    /// retain it.
    private struct BorrowedObserver: @unchecked Sendable {
        let object: UnsafeRawPointer
        let type: any BusObserver.Type

        init(_ observer: some BusObserver) {
            object = UnsafeRawPointer(Unmanaged.passUnretained(observer).toOpaque())
            type = Swift.type(of: observer)
        }

        func observeRead(_ master: BusMaster, _ range: PhysicalRange, _ data: UnsafeRawBufferPointer) {
            type.borrowedObserveRead(object, master, range, data)
        }

        func observeWrite(_ master: BusMaster, _ range: PhysicalRange, _ data: UnsafeRawBufferPointer) {
            type.borrowedObserveWrite(object, master, range, data)
        }

        func observeFill(_ master: BusMaster, _ range: PhysicalRange, _ byte: UInt8) {
            type.borrowedObserveFill(object, master, range, byte)
        }

        func observeFault(_ fault: AccessFault) {
            type.borrowedObserveFault(object, fault)
        }
    }

    /// A filter unretained, with its type: it is asked through the type, borrowed, since a
    /// call through the existential retains and releases the filter on every transaction.
    private struct BorrowedFilter: @unchecked Sendable {
        let object: UnsafeRawPointer
        let type: any BusAccessFilter.Type

        init(_ filter: some BusAccessFilter) {
            object = UnsafeRawPointer(Unmanaged.passUnretained(filter).toOpaque())
            type = Swift.type(of: filter)
        }
    }

    /// Every path ever published, so each stays alive as long as the bus: a transaction that
    /// loaded one may still be using it when the next is published. Paths change a handful
    /// of times in a bus's life (a filter per firewall, the checker on and off), so keeping
    /// them costs nothing that grows with traffic. Writers publish under this lock, which
    /// also guards ``installedObserver``.
    private let paths: Mutex<(paths: [Path], observer: (any BusObserver)?)>
    /// The current path, unretained (its address; `paths` holds the reference).
    private let current: Atomic<UInt>

    public init(memory: PhysicalMemory, faults: FaultLog = FaultLog()) {
        self.memory = memory
        self.faults = faults
        let first = Path(filters: [], observer: nil)
        self.paths = Mutex(([first], nil))
        self.current = Atomic(UInt(bitPattern: Unmanaged.passUnretained(first).toOpaque()))
    }

    /// The current path, borrowed: valid for as long as the bus, which holds every path.
    @inline(__always)
    private var path: Unmanaged<Path> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: current.load(ordering: .acquiring))!)
    }

    /// Publishes a path with `filter` added and `observer` set, or with the current ones where
    /// `nil` (`observer: .some(nil)` removes it).
    private func publish(adding filter: (any BusAccessFilter)? = nil, observer: (any BusObserver)?? = nil) {
        // The observer let go of is released after the lock: its deinit may do anything.
        let released: (any BusObserver)? = paths.withLock { state in
            let last = state.paths[state.paths.count - 1]
            let previous = state.observer
            if let observer { state.observer = observer }
            let next = Path(filters: last.filters + (filter.map { [$0] } ?? []), observer: state.observer)
            state.paths.append(next)
            current.store(UInt(bitPattern: Unmanaged.passUnretained(next).toOpaque()), ordering: .releasing)
            return observer == nil ? nil : previous
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

    public var installedFilters: [any BusAccessFilter] { path._withUnsafeGuaranteedRef { $0.filters } }

    /// Sets (or with `nil` removes) the observer that sees the data of every completed
    /// transaction: the invariant checker's view. Costs nothing while unset. The secure
    /// world's and the oracle's only: an observer sees every protected byte, and setting one
    /// displaces the checker.
    ///
    /// The bus holds the observer while it is installed and lets go of it here when it is
    /// replaced or removed, so an observer that holds the bus (or the board) keeps it alive
    /// only until it is removed. A transaction already under way on another thread may still
    /// tell the previous observer: keep it alive until such transactions are done (whoever
    /// installs one normally holds it anyway).
    @_spi(SecureWorld)
    public func observe(with observer: (any BusObserver)?) {
        publish(observer: .some(observer))
    }

    /// The observer installed now, if any.
    @_spi(SecureWorld)
    public var installedObserver: (any BusObserver)? { paths.withLock { $0.observer } }

    /// What the bus would answer, without recording anything: for set-up code that must
    /// confirm a region is protected before it relies on it.
    public func verdict(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> AccessFault? {
        path._withUnsafeGuaranteedRef { check(master, range, kind, $0).fault }
    }

    /// Whether `master` may perform `kind` on every byte of `range`: the verdict's answer
    /// without its reason, recorded nowhere.
    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        path._withUnsafeGuaranteedRef { admitted(master, range, kind, $0) != nil }
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
        path._withUnsafeGuaranteedRef { path in
            var start = range.base.rawValue
            var first: UInt64?
            while start < range.end {
                let end = uniformEnd(from: start, before: range.end, path)
                if admitted(master, PhysicalRange(base: PhysicalAddress(start), size: end - start)!, kind, path) != nil {
                    if first == nil { first = start }
                } else if let first {
                    return PhysicalRange(base: PhysicalAddress(first), size: start - first)
                }
                start = end
            }
            return first.map { PhysicalRange(base: PhysicalAddress($0), size: range.end - $0)! }
        }
    }

    /// Where the piece of memory from `start` (below `limit`) that the bus answers alike for
    /// ends: at the end of its DRAM bank (or the start of the next, outside DRAM), or where a
    /// filter says its answer may change, whichever comes first.
    private func uniformEnd(from start: UInt64, before limit: UInt64, _ path: Path) -> UInt64 {
        var end = limit
        let banks = memory.bankTable
        for index in 0..<banks.count {
            let bank = banks[index].range
            if bank.base.rawValue <= start, start < bank.end {
                end = min(end, bank.end)
            } else if start < bank.base.rawValue {
                end = min(end, bank.base.rawValue)
            }
        }
        let filters = path.borrowed
        for index in filters.indices {
            let piece = PhysicalRange(base: PhysicalAddress(start), size: end - start)!
            // Only a boundary inside the piece counts: anything else would not make progress.
            if let boundary = filters[index].type.borrowedBoundary(filters[index].object, piece), boundary.rawValue > start, boundary.rawValue < end {
                end = boundary.rawValue
            }
        }
        return end
    }

    // MARK: Transactions

    // Each transaction exists twice: the public one, refused for a privileged master (see
    // `BusMaster.isPrivileged`), and the privileged path's (`Bus+Privileged.swift`). Both are
    // the one body below, inlined with the flag constant, so the check costs one test of the
    // master's bits on the public path and nothing on the other.

    /// Reads `buffer.count` bytes at `address` into `buffer`.
    public func read(_ master: BusMaster, at address: PhysicalAddress, into buffer: UnsafeMutableRawBufferPointer) throws(AccessFault) {
        try read(master, at: address, into: buffer, privileged: false)
    }

    /// Reads the bytes of `range`.
    public func read(_ master: BusMaster, _ range: PhysicalRange) throws(AccessFault) -> [UInt8] {
        try read(master, range, privileged: false)
    }

    /// Writes `bytes` at `address`.
    public func write(_ master: BusMaster, at address: PhysicalAddress, from bytes: UnsafeRawBufferPointer) throws(AccessFault) {
        try write(master, at: address, from: bytes, privileged: false)
    }

    /// Writes `count` bytes at `address` that `produce` puts straight into DRAM: for a device
    /// that generates its output (a decoder's frame), which would otherwise build it in a
    /// temporary only to copy it. The whole range is checked first, exactly as for the other
    /// writes; `produce` runs only once it is admitted and must fill every byte; the observer
    /// then sees what was written.
    public func write(_ master: BusMaster, at address: PhysicalAddress, count: Int, producing produce: (UnsafeMutableRawBufferPointer) -> Void) throws(AccessFault) {
        try write(master, at: address, count: count, privileged: false, producing: produce)
    }

    /// Reads `count` bytes at `address` and lends them to `consume` in place, without a copy:
    /// for a master that only looks at what it reads (a scan-out engine). The range is checked
    /// first and the observer sees the bytes, as for the copying reads.
    public func read(_ master: BusMaster, at address: PhysicalAddress, count: Int, viewing consume: (UnsafeRawBufferPointer) -> Void) throws(AccessFault) {
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

    /// Fills `range` with `byte`. A zero fill of whole pages returns them to the host, which
    /// is how scrubbing keeps a board sparse.
    public func fill(_ master: BusMaster, _ range: PhysicalRange, with byte: UInt8) throws(AccessFault) {
        try fill(master, range, with: byte, privileged: false)
    }

    // The bodies.

    /// Reads `buffer.count` bytes at `address` into `buffer`.
    @inline(__always)
    func read(_ master: BusMaster, at address: PhysicalAddress, into buffer: UnsafeMutableRawBufferPointer, privileged: Bool) throws(AccessFault) {
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        let (source, path) = try admit(master, address, UInt64(buffer.count), .read, privileged)
        memcpy(base, source, buffer.count)
        tell(path) { $0.observeRead(master, PhysicalRange(base: address, size: UInt64(buffer.count))!, UnsafeRawBufferPointer(buffer)) }
    }

    /// Reads the bytes of `range`.
    @inline(__always)
    func read(_ master: BusMaster, _ range: PhysicalRange, privileged: Bool) throws(AccessFault) -> [UInt8] {
        let (source, path) = try admit(master, range.base, range.size, .read, privileged)
        guard range.size > 0 else { return [] }
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(range.size)) { buffer, count in
            memcpy(buffer.baseAddress!, source, Int(range.size))
            count = Int(range.size)
        }
        tell(path) { observer in bytes.withUnsafeBytes { observer.observeRead(master, range, $0) } }
        return bytes
    }

    /// Writes `bytes` at `address`.
    @inline(__always)
    func write(_ master: BusMaster, at address: PhysicalAddress, from bytes: UnsafeRawBufferPointer, privileged: Bool) throws(AccessFault) {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        let (destination, path) = try admit(master, address, UInt64(bytes.count), .write, privileged)
        memcpy(destination, base, bytes.count)
        tell(path) { $0.observeWrite(master, PhysicalRange(base: address, size: UInt64(bytes.count))!, UnsafeRawBufferPointer(start: destination, count: bytes.count)) }
    }

    /// Writes `count` bytes at `address` that `produce` puts straight into DRAM: for a device
    /// that generates its output (a decoder's frame), which would otherwise build it in a
    /// temporary only to copy it. The whole range is checked first, exactly as for the other
    /// writes; `produce` runs only once it is admitted and must fill every byte; the observer
    /// then sees what was written.
    @inline(__always)
    func write(_ master: BusMaster, at address: PhysicalAddress, count: Int, privileged: Bool, producing produce: (UnsafeMutableRawBufferPointer) -> Void) throws(AccessFault) {
        guard count > 0 else { return }
        let (destination, path) = try admit(master, address, UInt64(count), .write, privileged)
        produce(UnsafeMutableRawBufferPointer(start: destination, count: count))
        tell(path) { $0.observeWrite(master, PhysicalRange(base: address, size: UInt64(count))!, UnsafeRawBufferPointer(start: destination, count: count)) }
    }

    /// Reads `count` bytes at `address` and lends them to `consume` in place, without a copy:
    /// for a master that only looks at what it reads (a scan-out engine). The range is checked
    /// first and the observer sees the bytes, as for the copying reads.
    @inline(__always)
    func read(_ master: BusMaster, at address: PhysicalAddress, count: Int, privileged: Bool, viewing consume: (UnsafeRawBufferPointer) -> Void) throws(AccessFault) {
        let (source, path) = try admit(master, address, UInt64(count), .read, privileged)
        let bytes = UnsafeRawBufferPointer(start: count > 0 ? source : nil, count: count)
        if count > 0 { tell(path) { $0.observeRead(master, PhysicalRange(base: address, size: UInt64(count))!, bytes) } }
        consume(bytes)
    }

    /// Writes `bytes` at `address`.
    func write(_ master: BusMaster, at address: PhysicalAddress, bytes: [UInt8], privileged: Bool) throws(AccessFault) {
        let result: Result<Void, AccessFault> = bytes.withUnsafeBytes { raw in
            do throws(AccessFault) {
                try write(master, at: address, from: raw, privileged: privileged)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// A DMA copy by one master: it must be allowed to read the source and write the
    /// destination. Overlapping ranges copy as `memmove` does.
    @inline(__always)
    func copy(_ master: BusMaster, from source: PhysicalAddress, to destination: PhysicalAddress, count: UInt64, privileged: Bool) throws(AccessFault) {
        guard count > 0 else { return }
        let (from, path) = try admit(master, source, count, .read, privileged)
        let (to, _) = try admit(master, destination, count, .write, privileged)
        tell(path) { $0.observeRead(master, PhysicalRange(base: source, size: count)!, UnsafeRawBufferPointer(start: from, count: Int(count))) }
        memmove(to, from, Int(count))
        tell(path) { $0.observeWrite(master, PhysicalRange(base: destination, size: count)!, UnsafeRawBufferPointer(start: to, count: Int(count))) }
    }

    /// Fills `range` with `byte`. A zero fill of whole pages returns them to the host, which
    /// is how scrubbing keeps a board sparse.
    @inline(__always)
    func fill(_ master: BusMaster, _ range: PhysicalRange, with byte: UInt8, privileged: Bool) throws(AccessFault) {
        let (destination, path) = try admit(master, range.base, range.size, .write, privileged)
        guard range.size > 0 else { return }
        if byte == 0 {
            memory.zero(destination, count: Int(range.size))
        } else {
            memset(destination, Int32(byte), Int(range.size))
        }
        tell(path) { $0.observeFill(master, range, byte) }
    }

    // MARK: Checking

    /// The host pointer for an admitted transaction (and the path whose observer to tell),
    /// or the recorded fault.
    @inline(__always)
    private func admit(_ master: BusMaster, _ address: PhysicalAddress, _ size: UInt64, _ kind: AccessKind, _ privileged: Bool) throws(AccessFault) -> (UnsafeMutableRawPointer, Unmanaged<Path>) {
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
        if let pointer = path._withUnsafeGuaranteedRef({ admitted(master, range, kind, $0) }) { return (pointer, path) }
        let (pointer, fault) = path._withUnsafeGuaranteedRef { check(master, range, kind, $0) }
        if let fault {
            faults.record(fault)
            tell(path) { $0.observeFault(fault) }
            throw fault
        }
        return (pointer!, path)
    }

    /// Hands the path's observer, if any, to `body`, borrowed.
    @inline(__always)
    private func tell(_ path: Unmanaged<Path>, _ body: (BorrowedObserver) -> Void) {
        path._withUnsafeGuaranteedRef { path in
            if let observer = path.borrowedObserver { body(observer) }
        }
    }

    /// The host pointer for `range` when the address decodes and every filter permits.
    @inline(__always)
    private func admitted(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind, _ path: Path) -> UnsafeMutableRawPointer? {
        guard let pointer = memory.hostPointer(for: range) else { return nil }
        let filters = path.borrowed
        for index in filters.indices where !filters[index].type.borrowedPermits(filters[index].object, master, range, kind) { return nil }
        return pointer
    }

    private func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind, _ path: Path) -> (pointer: UnsafeMutableRawPointer?, fault: AccessFault?) {
        guard let pointer = memory.hostPointer(for: range) else {
            return (nil, AccessFault(master: master, address: range.base, size: range.size, kind: kind, source: "interconnect", reason: "no DRAM decodes the whole range \(range) (decode error)"))
        }
        let filters = path.borrowed
        for index in filters.indices {
            if let refused = filters[index].type.borrowedCheck(filters[index].object, master, range, kind) {
                return (pointer, AccessFault(master: master, address: refused.address, size: range.size, kind: kind, source: path.filters[index].filterName, reason: refused.reason))
            }
        }
        return (pointer, nil)
    }
}

extension BusAccessFilter {
    /// ``check(_:_:_:)`` of the filter at `object`, borrowed (the bus's path keeps it alive).
    fileprivate static func borrowedCheck(_ object: UnsafeRawPointer, _ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)? {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.check(master, range, kind) }
    }

    /// ``boundary(in:)`` of the filter at `object`, borrowed.
    fileprivate static func borrowedBoundary(_ object: UnsafeRawPointer, _ range: PhysicalRange) -> PhysicalAddress? {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.boundary(in: range) }
    }

    /// ``permits(_:_:_:)`` of the filter at `object`, borrowed.
    fileprivate static func borrowedPermits(_ object: UnsafeRawPointer, _ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.permits(master, range, kind) }
    }
}

extension BusObserver {
    fileprivate static func borrowedObserveRead(_ object: UnsafeRawPointer, _ master: BusMaster, _ range: PhysicalRange, _ data: UnsafeRawBufferPointer) {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.observeRead(master, range, data) }
    }

    fileprivate static func borrowedObserveWrite(_ object: UnsafeRawPointer, _ master: BusMaster, _ range: PhysicalRange, _ data: UnsafeRawBufferPointer) {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.observeWrite(master, range, data) }
    }

    fileprivate static func borrowedObserveFill(_ object: UnsafeRawPointer, _ master: BusMaster, _ range: PhysicalRange, _ byte: UInt8) {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.observeFill(master, range, byte) }
    }

    fileprivate static func borrowedObserveFault(_ object: UnsafeRawPointer, _ fault: AccessFault) {
        Unmanaged<Self>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.observeFault(fault) }
    }
}
