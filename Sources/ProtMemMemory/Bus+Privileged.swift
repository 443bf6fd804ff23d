/// The bus's privileged path: transactions as a secure master (the secure world's own CPU)
/// or as a device's protected-mode identity (the GPU while `GPU_STATUS_PROTM_ACTIVE` is set).
/// The interconnect, not software, decides which identity a transaction carries, so the
/// public path refuses these masters; the secure world and the device models that have a
/// protected mode reach them here, behind `@_spi(SecureWorld)`. Otherwise the same checks:
/// every filter still judges every transaction.
@_spi(SecureWorld)
public struct PrivilegedBusAccess: Sendable {
    public let bus: Bus

    @inline(__always)
    public func read(_ master: BusMaster, at address: PhysicalAddress, into buffer: inout MutableRawSpan) throws(AccessFault) {
        try bus.read(master, at: address, into: &buffer, privileged: true)
    }

    @inline(__always)
    public func read(_ master: BusMaster, _ range: PhysicalRange) throws(AccessFault) -> [UInt8] {
        try bus.read(master, range, privileged: true)
    }

    @inline(__always)
    public func write(_ master: BusMaster, at address: PhysicalAddress, from bytes: RawSpan) throws(AccessFault) {
        try bus.write(master, at: address, from: bytes, privileged: true)
    }

    @inline(__always)
    public func write(_ master: BusMaster, at address: PhysicalAddress, bytes: [UInt8]) throws(AccessFault) {
        try bus.write(master, at: address, bytes: bytes, privileged: true)
    }

    @inline(__always)
    public func copy(_ master: BusMaster, from source: PhysicalAddress, to destination: PhysicalAddress, count: UInt64) throws(AccessFault) {
        try bus.copy(master, from: source, to: destination, count: count, privileged: true)
    }

    @inline(__always)
    public func fill(_ master: BusMaster, _ range: PhysicalRange, with byte: UInt8) throws(AccessFault) {
        try bus.fill(master, range, with: byte, privileged: true)
    }
}

extension Bus {
    /// The privileged path (see ``PrivilegedBusAccess``).
    @_spi(SecureWorld)
    public var privileged: PrivilegedBusAccess { PrivilegedBusAccess(bus: self) }
}
