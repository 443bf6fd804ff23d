#if canImport(Glibc)
import Glibc
#endif
import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
import ProtMemTestSupport
import Testing

/// Fast correctness checks for each path the benchmarks in `Benchmarks/` measure.
@Suite struct BenchmarkPathTests {
    /// The carve-out trace: reproducible, exercises both allocation and failure, leaks nothing.
    @Test func carveoutTraceIsReproducibleAndClean() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("protected-carveout"))
            defer { board.heaps.put(heap) }
            // Big enough buffers that the 128 MiB pool runs out sometimes.
            let trace = AllocationTrace(seed: 42, operations: 5_000, slots: 96, maximumPages: 1024)
            let first = try trace.replay(on: board.heaps, heap: heap)
            board._checkInvariants()
            let second = try trace.replay(on: board.heaps, heap: heap)
            #expect(first == second)
            #expect(first.allocations > 1_000 && first.frees > 1_000 && first.failures > 0)
            #expect(first.peakBytes <= 128 << 20)
            let other = try AllocationTrace(seed: 43, operations: 5_000, slots: 96, maximumPages: 1024).replay(on: board.heaps, heap: heap)
            #expect(other != first)
        }
    }

    /// The checked 4 MiB copy moves exactly what `memcpy` moves.
    @Test func checkedCopyEqualsMemcpy() throws {
        let board = try Board.builtinDefault()
        let size = 4 << 20
        let source = PhysicalAddress(0x4000_0000), destination = PhysicalAddress(0x5000_0000)
        var random = SplitMix64(seed: 7)
        let pattern = (0..<size / 8).flatMap { _ in withUnsafeBytes(of: random.next()) { Array($0) } }
        try board.bus.write(.cpuNonSecure, at: source, bytes: pattern)
        try board.bus.copy(.codec, from: source, to: destination, count: UInt64(size))
        var raw = [UInt8](repeating: 0, count: size)
        pattern.withUnsafeBytes { from in raw.withUnsafeMutableBytes { to in _ = memcpy(to.baseAddress!, from.baseAddress!, size) } }
        #expect(try board.bus.read(.display, PhysicalRange(base: destination, size: UInt64(size))!) == raw)
        // And the same copy into the carve-out is refused before a byte moves.
        let protected = PhysicalAddress(0xB800_0000)
        #expect(throws: AccessFault.self) { try board.bus.copy(.cpuNonSecure, from: source, to: protected, count: UInt64(size)) }
        #expect(try board.bus.privileged.read(.cpuSecure, PhysicalRange(base: protected, size: UInt64(size))!).allSatisfy { $0 == 0 })
    }
}
