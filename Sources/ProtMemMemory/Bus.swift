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
    private struct Path {
        var filters: [any BusAccessFilter] = []
        var observer: (any BusObserver)?
    }

    private let path = Mutex(Path())

    public init(memory: PhysicalMemory, faults: FaultLog = FaultLog()) {
        self.memory = memory
        self.faults = faults
    }

    /// Puts a filter on the path to DRAM. Filters only ever refuse, so installing one cannot
    /// weaken the others; there is deliberately no way to remove one.
    public func install(_ filter: any BusAccessFilter) {
        path.withLock { $0.filters.append(filter) }
    }

    public var installedFilters: [any BusAccessFilter] { path.withLock { $0.filters } }

    /// Sets (or with `nil` removes) the observer that sees the data of every completed
    /// transaction: the invariant checker's view. Costs nothing while unset.
    public func observe(with observer: (any BusObserver)?) {
        path.withLock { $0.observer = observer }
    }

    /// What the bus would answer, without recording anything: for set-up code that must
    /// confirm a region is protected before it relies on it.
    public func verdict(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> AccessFault? {
        check(master, range, kind).fault
    }

    /// Whether `master` may perform `kind` on every byte of `range`: the verdict's answer
    /// without its reason, recorded nowhere.
    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        guard memory.hostPointer(for: range) != nil else { return false }
        return path.withLock { path in path.filters.allSatisfy { $0.permits(master, range, kind) } }
    }

    // MARK: Transactions

    /// Reads `buffer.count` bytes at `address` into `buffer`.
    public func read(_ master: BusMaster, at address: PhysicalAddress, into buffer: UnsafeMutableRawBufferPointer) throws(AccessFault) {
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        let (source, observer) = try admit(master, address, UInt64(buffer.count), .read)
        memcpy(base, source, buffer.count)
        observer?.observeRead(master, PhysicalRange(base: address, size: UInt64(buffer.count))!, UnsafeRawBufferPointer(buffer))
    }

    /// Reads the bytes of `range`.
    public func read(_ master: BusMaster, _ range: PhysicalRange) throws(AccessFault) -> [UInt8] {
        let (source, observer) = try admit(master, range.base, range.size, .read)
        guard range.size > 0 else { return [] }
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(range.size)) { buffer, count in
            memcpy(buffer.baseAddress!, source, Int(range.size))
            count = Int(range.size)
        }
        if let observer { bytes.withUnsafeBytes { observer.observeRead(master, range, $0) } }
        return bytes
    }

    /// Writes `bytes` at `address`.
    public func write(_ master: BusMaster, at address: PhysicalAddress, from bytes: UnsafeRawBufferPointer) throws(AccessFault) {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        let (destination, observer) = try admit(master, address, UInt64(bytes.count), .write)
        memcpy(destination, base, bytes.count)
        observer?.observeWrite(master, PhysicalRange(base: address, size: UInt64(bytes.count))!, UnsafeRawBufferPointer(start: destination, count: bytes.count))
    }

    /// Writes `count` bytes at `address` that `produce` puts straight into DRAM: for a device
    /// that generates its output (a decoder's frame), which would otherwise build it in a
    /// temporary only to copy it. The whole range is checked first, exactly as for the other
    /// writes; `produce` runs only once it is admitted and must fill every byte; the observer
    /// then sees what was written.
    public func write(_ master: BusMaster, at address: PhysicalAddress, count: Int, producing produce: (UnsafeMutableRawBufferPointer) -> Void) throws(AccessFault) {
        guard count > 0 else { return }
        let (destination, observer) = try admit(master, address, UInt64(count), .write)
        produce(UnsafeMutableRawBufferPointer(start: destination, count: count))
        observer?.observeWrite(master, PhysicalRange(base: address, size: UInt64(count))!, UnsafeRawBufferPointer(start: destination, count: count))
    }

    /// Reads `count` bytes at `address` and lends them to `consume` in place, without a copy:
    /// for a master that only looks at what it reads (a scan-out engine). The range is checked
    /// first and the observer sees the bytes, as for the copying reads.
    public func read(_ master: BusMaster, at address: PhysicalAddress, count: Int, viewing consume: (UnsafeRawBufferPointer) -> Void) throws(AccessFault) {
        let (source, observer) = try admit(master, address, UInt64(count), .read)
        let bytes = UnsafeRawBufferPointer(start: count > 0 ? source : nil, count: count)
        if count > 0, let observer { observer.observeRead(master, PhysicalRange(base: address, size: UInt64(count))!, bytes) }
        consume(bytes)
    }

    /// Writes `bytes` at `address`.
    public func write(_ master: BusMaster, at address: PhysicalAddress, bytes: [UInt8]) throws(AccessFault) {
        let result: Result<Void, AccessFault> = bytes.withUnsafeBytes { raw in
            do throws(AccessFault) {
                try write(master, at: address, from: raw)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// A DMA copy by one master: it must be allowed to read the source and write the
    /// destination. Overlapping ranges copy as `memmove` does.
    public func copy(_ master: BusMaster, from source: PhysicalAddress, to destination: PhysicalAddress, count: UInt64) throws(AccessFault) {
        guard count > 0 else { return }
        let (from, observer) = try admit(master, source, count, .read)
        let (to, _) = try admit(master, destination, count, .write)
        if let observer { observer.observeRead(master, PhysicalRange(base: source, size: count)!, UnsafeRawBufferPointer(start: from, count: Int(count))) }
        memmove(to, from, Int(count))
        if let observer { observer.observeWrite(master, PhysicalRange(base: destination, size: count)!, UnsafeRawBufferPointer(start: to, count: Int(count))) }
    }

    /// Fills `range` with `byte`. A zero fill of whole pages returns them to the host, which
    /// is how scrubbing keeps a board sparse.
    public func fill(_ master: BusMaster, _ range: PhysicalRange, with byte: UInt8) throws(AccessFault) {
        let (destination, observer) = try admit(master, range.base, range.size, .write)
        guard range.size > 0 else { return }
        if byte == 0 {
            memory.zero(destination, count: Int(range.size))
        } else {
            memset(destination, Int32(byte), Int(range.size))
        }
        observer?.observeFill(master, range, byte)
    }

    // MARK: Checking

    /// The host pointer for an admitted transaction (and the observer to tell), or the
    /// recorded fault.
    @inline(__always)
    private func admit(_ master: BusMaster, _ address: PhysicalAddress, _ size: UInt64, _ kind: AccessKind) throws(AccessFault) -> (UnsafeMutableRawPointer, (any BusObserver)?) {
        guard let range = PhysicalRange(base: address, size: size) else {
            let fault = AccessFault(master: master, address: address, size: size, kind: kind, source: "interconnect", reason: "address range wraps past 2^64")
            faults.record(fault)
            throw fault
        }
        let (pointer, fault, observer) = check(master, range, kind)
        if let fault {
            faults.record(fault)
            observer?.observeFault(fault)
            throw fault
        }
        return (pointer!, observer)
    }

    private func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (pointer: UnsafeMutableRawPointer?, fault: AccessFault?, observer: (any BusObserver)?) {
        guard let pointer = memory.hostPointer(for: range) else {
            let observer = path.withLock { $0.observer }
            return (nil, AccessFault(master: master, address: range.base, size: range.size, kind: kind, source: "interconnect", reason: "no DRAM decodes the whole range \(range) (decode error)"), observer)
        }
        let (fault, observer) = path.withLock { path -> (AccessFault?, (any BusObserver)?) in
            for filter in path.filters {
                if let refused = filter.check(master, range, kind) {
                    return (AccessFault(master: master, address: refused.address, size: range.size, kind: kind, source: filter.filterName, reason: refused.reason), path.observer)
                }
            }
            return (nil, path.observer)
        }
        return (pointer, fault, observer)
    }
}
