@_spi(SecureWorld) import ProtMemMemory
import Testing

/// What an observer reads around a transaction, in place: up to the margin either side, never
/// past the bank that holds the transaction.
@Suite struct SurroundingsTests {
    @Test func theMarginIsClippedToTheBank() throws {
        let memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0x1000, size: 0x2000), PhysicalRange(checkedBase: 0x10_0000, size: 0x1000)])
        let bus = Bus(memory: memory)
        try bus.privileged.write(.cpuSecure, at: PhysicalAddress(0x1ff0), bytes: Array(0..<32))
        func surroundings(_ base: UInt64, _ size: UInt64) -> (base: PhysicalAddress, bytes: [UInt8])? {
            memory.withSurroundings(of: PhysicalRange(checkedBase: base, size: size), margin: 15) { ($0, RawSpanReader.array($1)) }
        }
        let inside = try #require(surroundings(0x2000, 4))
        #expect(inside.base == PhysicalAddress(0x2000 - 15) && inside.bytes.count == 15 + 4 + 15)
        #expect(inside.bytes == Array(1..<32) + [0, 0, 0])
        // At a bank's two ends, only what the bank holds.
        let first = try #require(surroundings(0x1000, 8))
        #expect(first.base == PhysicalAddress(0x1000) && first.bytes.count == 8 + 15)
        let last = try #require(surroundings(0x10_0ffc, 4))
        #expect(last.base == PhysicalAddress(0x10_0ffc - 15) && last.bytes.count == 15 + 4)
        // A range no one bank holds has no surroundings, and the body is not called.
        #expect(surroundings(0x2ff0, 0x20) == nil)
        #expect(surroundings(0x5000, 1) == nil)
        memory._checkInvariants()
    }
}
