/// Sees what the bus moved, after it moved it: the data of every completed read and write,
/// every fill, every refused transaction. For checkers and tracers only; a model of hardware
/// never needs it. Called on the thread that made the transaction, outside the bus's lock.
/// The data is lent for the call only: the bytes in DRAM (or the reader's buffer) as the
/// transaction left them; ``RawSpanReader`` reads them, or copies them out.
public protocol BusObserver: AnyObject, Sendable {
    func observeRead(_ master: BusMaster, _ range: PhysicalRange, _ data: RawSpan)
    func observeWrite(_ master: BusMaster, _ range: PhysicalRange, _ data: RawSpan)
    func observeFill(_ master: BusMaster, _ range: PhysicalRange, _ byte: UInt8)
    func observeFault(_ fault: AccessFault)
}

extension BusObserver {
    public func observeFill(_ master: BusMaster, _ range: PhysicalRange, _ byte: UInt8) {}
    public func observeFault(_ fault: AccessFault) {}
}
