@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import Testing

@Suite struct FirewallTests {
    let memory: PhysicalMemory
    let bus: Bus
    let monitor: SecureMonitor
    let protected = PhysicalRange(checkedBase: 0x10_0000, size: 0x10_0000)

    init() throws {
        memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 4 << 20)])
        bus = Bus(memory: memory)
        monitor = SecureMonitor(bus: bus)
        try monitor.protect(protected, readers: [.gpuProtected, .display], writers: [.gpuProtected, .codec], owner: "test", reason: "test")
    }

    @Test func nonSecureMastersFaultOnEveryByteAndNothingChanges() throws {
        try bus.privileged.fill(.cpuSecure, protected, with: 0x5A)
        for offset: UInt64 in [0, 1, 4095, 4096, protected.size - 1] {
            let address = PhysicalAddress(protected.base.rawValue + offset)
            for master in [BusMaster.cpuNonSecure, .gpu, .camera] {
                let before = bus.faults.count
                #expect(throws: AccessFault.self) { try bus.read(master, PhysicalRange(base: address, size: 1)!) }
                #expect(throws: AccessFault.self) { try bus.write(master, at: address, bytes: [0]) }
                #expect(bus.faults.count == before + 2)
            }
        }
        // An access that only starts outside and runs in is refused whole: not even the bytes
        // before the region move.
        let straddling = PhysicalAddress(protected.base.rawValue - 8)
        #expect(throws: AccessFault.self) { try bus.write(.cpuNonSecure, at: straddling, bytes: [UInt8](repeating: 0xFF, count: 16)) }
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(base: straddling, size: 8)!) == [UInt8](repeating: 0, count: 8))
        #expect(try bus.privileged.read(.cpuSecure, protected).allSatisfy { $0 == 0x5A })
    }

    @Test func faultRecordNamesMasterAddressSizeKindAndReason() throws {
        let address = PhysicalAddress(protected.base.rawValue - 4096)
        #expect(throws: AccessFault.self) { try bus.read(.cpuNonSecure, PhysicalRange(base: address, size: 3 * 4096)!) }
        let fault = try #require(bus.faults.faults.last)
        #expect(fault.master == .cpuNonSecure)
        #expect(fault.address == protected.base)
        #expect(fault.size == 3 * 4096)
        #expect(fault.kind == .read)
        #expect(fault.source == "tzc400")
        #expect(fault.reason.contains("region 1"))
    }

    @Test func permittedMastersGetThroughWithTheirDirectionOnly() throws {
        try bus.write(.codec, at: protected.base, bytes: [1, 2, 3])
        #expect(try bus.read(.display, PhysicalRange(base: protected.base, size: 3)!) == [1, 2, 3])
        #expect(try bus.privileged.read(.gpuProtected, PhysicalRange(base: protected.base, size: 3)!) == [1, 2, 3])
        #expect(try bus.privileged.read(.cpuSecure, PhysicalRange(base: protected.base, size: 3)!) == [1, 2, 3])
        #expect(throws: AccessFault.self) { try bus.read(.codec, PhysicalRange(base: protected.base, size: 3)!) }
        #expect(throws: AccessFault.self) { try bus.write(.display, at: protected.base, bytes: [9]) }
        // A copy must pass both checks before anything moves.
        #expect(throws: AccessFault.self) { try bus.copy(.codec, from: protected.base, to: PhysicalAddress(0), count: 3) }
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 0, size: 3)) == [0, 0, 0])
    }

    @Test func regionsRunOutAndHigherNumbersWin() throws {
        // Region 1 is taken; 2…7 remain.
        var records: [ProtectionRecord] = []
        for i in 0..<6 {
            records.append(try monitor.protect(PhysicalRange(checkedBase: 0x20_0000 + UInt64(i) * 0x1000, size: 0x1000), readers: [], writers: [], owner: "t\(i)", reason: "fill"))
        }
        #expect(throws: FirewallError.noFreeRegion) {
            try monitor.protect(PhysicalRange(checkedBase: 0x30_0000, size: 0x1000), readers: [], writers: [], owner: "x", reason: "x")
        }
        #expect(monitor.protections.count == 7)
        // Overlap: a higher region inside region 1 that opens a page to the CPU wins there.
        #expect(monitor.unprotect(records[0]))
        try monitor.protect(PhysicalRange(base: protected.base, size: 0x1000)!, readers: [.cpuNonSecure], writers: [], owner: "window", reason: "overlap")
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(base: protected.base, size: 0x1000)!).count == 0x1000)
        #expect(throws: AccessFault.self) { try bus.read(.cpuNonSecure, PhysicalRange(base: protected.base, size: 0x1001)!) }
        monitor.firewall._checkInvariants()
    }

    @Test func misalignedProtectionIsRefusedAndChangesNothing() {
        let before = monitor.firewall.configuration
        #expect(throws: FirewallError.self) {
            try monitor.protect(PhysicalRange(checkedBase: 0x20_0800, size: 0x1000), readers: [], writers: [], owner: "x", reason: "x")
        }
        #expect(monitor.firewall.configuration == before)
    }
}
