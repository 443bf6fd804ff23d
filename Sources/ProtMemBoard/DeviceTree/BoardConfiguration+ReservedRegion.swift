import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld

extension BoardConfiguration {
    /// Reserved memory that no heap owns: OP-TEE's own carve-out, a device's private pool, a
    /// bounce pool, a region a GPU allocates from directly.
    ///
    /// The page allocator never gets it, as the kernel never frees reserved memory to the buddy
    /// allocator. With `protection` the secure world puts a firewall region around it at boot.
    public struct ReservedRegion: Sendable, Hashable {
        /// Masters besides the secure CPU that may reach a protected region, and why it is
        /// protected (shown in the monitor's records).
        public struct Protection: Sendable, Hashable {
            public var readers: [BusMaster]
            public var writers: [BusMaster]
            public var reason: String

            public init(readers: [BusMaster], writers: [BusMaster], reason: String) {
                self.readers = readers
                self.writers = writers
                self.reason = reason
            }
        }

        /// The reserved-memory node's name (several names when neighbouring regions share pages).
        public var name: String
        /// Whole pages: a region that ends mid-page still keeps that page from the allocator.
        public var range: PhysicalRange
        public var protection: Protection?

        public init(name: String, range: PhysicalRange, protection: Protection? = nil) {
            self.name = name
            self.range = range
            self.protection = protection
        }

        /// A protected region: firewalled at boot for `readers` and `writers`.
        public init(name: String, range: PhysicalRange, readers: [BusMaster], writers: [BusMaster]) {
            self.init(name: name, range: range, protection: Protection(readers: readers, writers: writers, reason: "no-map reserved region, firewalled at boot"))
        }

        public var readers: [BusMaster] { protection?.readers ?? [] }
        public var writers: [BusMaster] { protection?.writers ?? [] }
    }
}

extension Board {
    /// Firewalls the protected ones among `configuration.reservedRegions`, after the carve-outs
    /// and before OP-TEE, as a secure boot stage would.
    static func protectReservedRegions(of configuration: BoardConfiguration, monitor: SecureMonitor) throws(BoardError) {
        for region in configuration.reservedRegions {
            guard let protection = region.protection else { continue }
            do {
                _ = try monitor.protect(region.range, readers: protection.readers, writers: protection.writers,
                                        owner: region.name, reason: protection.reason, allocator: .normalWorld)
            } catch {
                throw BoardError("board \(configuration.name): cannot protect reserved region \(region.name): \(error)")
            }
        }
    }
}
