@_spi(SecureWorld) import ProtMemMemory
import Testing

/// A secure master's or a protected mode's transactions come only through the privileged
/// path: the identity a transaction carries is the interconnect's to give, not software's.
@Suite struct PrivilegedPathTests {
    let memory: PhysicalMemory
    let bus: Bus
    let page = PhysicalRange(checkedBase: 0x1000, size: 0x1000)

    init() throws {
        memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 1 << 20)])
        bus = Bus(memory: memory)
    }

    @Test(arguments: [BusMaster.cpuSecure, .gpuProtected])
    func thePublicPathRefusesAPrivilegedMasterAndMovesNothing(_ master: BusMaster) throws {
        #expect(master.isPrivileged)
        try bus.write(.cpuNonSecure, at: page.base, bytes: [1, 2, 3, 4])
        func expectRefused(_ call: String, _ body: () throws(AccessFault) -> Void) {
            let before = bus.faults.count
            do throws(AccessFault) {
                try body()
                Issue.record("\(call) as \(master) went through the public path")
            } catch {
                #expect(error.source == "interconnect" && error.reason.contains("never by normal-world software"), "\(error)")
            }
            #expect(bus.faults.count == before + 1, "\(call) was not recorded")
        }
        expectRefused("read") { () throws(AccessFault) in _ = try bus.read(master, page) }
        expectRefused("write") { () throws(AccessFault) in try bus.write(master, at: page.base, bytes: [9]) }
        expectRefused("fill") { () throws(AccessFault) in try bus.fill(master, page, with: 9) }
        expectRefused("copy") { () throws(AccessFault) in try bus.copy(master, from: page.base, to: PhysicalAddress(0x3000), count: 4) }
        expectRefused("write producing") { () throws(AccessFault) in
            try bus.write(master, at: page.base, count: 4) { bytes in
                for offset in bytes.byteOffsets { bytes.storeBytes(of: 9, toByteOffset: offset, as: UInt8.self) }
            }
        }
        expectRefused("read viewing") { () throws(AccessFault) in
            try bus.read(master, at: page.base, count: 4) { _ in Issue.record("bytes were lent out") }
        }
        var scratch = [UInt8](repeating: 0, count: 4)
        expectRefused("read into") { () throws(AccessFault) in
            var elements = scratch.mutableSpan
            var raw = elements.mutableBytes
            try bus.read(master, at: page.base, into: &raw)
        }
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(base: page.base, size: 4)!) == [1, 2, 3, 4])
        #expect(scratch == [0, 0, 0, 0])
    }

    @Test func thePrivilegedPathIsTheSameBusWithTheSameChecks() throws {
        try bus.privileged.write(.cpuSecure, at: page.base, bytes: [7, 7])
        #expect(try bus.privileged.read(.gpuProtected, PhysicalRange(base: page.base, size: 2)!) == [7, 7])
        try bus.privileged.fill(.cpuSecure, page, with: 0)
        // Memory that does not decode is refused on the privileged path too.
        #expect(throws: AccessFault.self) { try bus.privileged.read(.cpuSecure, PhysicalRange(checkedBase: 1 << 30, size: 1)) }
        // Ordinary masters are the same on either path.
        try bus.privileged.write(.codec, at: page.base, bytes: [5])
        #expect(try bus.read(.codec, PhysicalRange(base: page.base, size: 1)!) == [5])
    }
}
