import ProtMemMemory
import Testing

@Suite struct PhysicalMemoryTests {
    @Test func sixteenGiBCostsOnlyTouchedPages() throws {
        let memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0x8000_0000, size: 16 << 30)])
        let bus = Bus(memory: memory)
        #expect(memory.size == 16 << 30)
        #expect(memory.residentPageCount() == 0)
        try bus.write(.cpuNonSecure, at: PhysicalAddress(0x8000_0000), bytes: [1])
        try bus.write(.cpuNonSecure, at: PhysicalAddress(0x8000_0000 + (8 << 30)), bytes: [2, 3])
        try bus.fill(.cpuNonSecure, PhysicalRange(checkedBase: 0x8000_0000 + (16 << 30) - 4096, size: 4096), with: 7)
        #expect(memory.residentPageCount() == 3 && memory.dirtyPageCount() == 3)
        // Zeroing 64 pages writes the one that was written, which stays backed (its next writer
        // does not fault it back in) and clean; the 63 never written stay unbacked.
        let top = PhysicalRange(checkedBase: 0x8000_0000 + (16 << 30) - (64 << 12), size: 64 << 12)
        try bus.fill(.cpuNonSecure, top, with: 0)
        #expect(memory.residentPageCount() == 3 && memory.residentPageCount(in: top) == 1)
        #expect(memory.dirtyPageCount() == 2 && memory.dirtyPageCount(in: top) == 0)
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 0x8000_0000 + (16 << 30) - 4096, size: 4096)).allSatisfy { $0 == 0 })
    }

    /// The bank table holds after every way a memory is made (one bank, merged ranges, banks
    /// far apart), and each checked operation moves exactly the bytes of its range.
    @Test func theBankTableHoldsAndOperationsStayInTheirRange() throws {
        let memories = [
            try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0x8000_0000, size: 1 << 20)]),
            try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0x10000, size: 0x10000), PhysicalRange(checkedBase: 0, size: 0x10000),
                                        PhysicalRange(checkedBase: 0x40000, size: 0x10000)]),
            try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 4096), PhysicalRange(checkedBase: (1 << 52) - 4096, size: 4096)]),
        ]
        for memory in memories { memory._checkInvariants() }
        let memory = memories[1]
        let range = PhysicalRange(checkedBase: 0xFFF0, size: 32)
        let pattern = [UInt8](1...32)
        memory.copy(from: pattern.span.bytes, to: range.base)
        #expect(memory.bytes(range) == pattern)
        #expect(memory.bytes(PhysicalRange(checkedBase: 0xFFEF, size: 1)) == [0] && memory.bytes(PhysicalRange(checkedBase: 0x10010, size: 1)) == [0])
        var out = [UInt8](repeating: 0, count: 4)
        do {
            var elements = out.mutableSpan
            var raw = elements.mutableBytes
            memory.copy(PhysicalRange(checkedBase: 0xFFF2, size: 4), into: &raw)
        }
        #expect(out == [3, 4, 5, 6])
        memory.move(from: range.base, to: PhysicalAddress(0xFFF4), count: 8)
        #expect(memory.bytes(PhysicalRange(checkedBase: 0xFFF0, size: 12)) == [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8])
        memory.withMutableBytes(PhysicalRange(checkedBase: 0xFFF0, size: 2)) { bytes in
            bytes.storeBytes(of: 0xAA, toByteOffset: 0, as: UInt8.self)
            bytes.storeBytes(of: 0xBB, toByteOffset: 1, as: UInt8.self)
        }
        #expect(memory.withBytes(PhysicalRange(checkedBase: 0xFFF0, size: 3)) { RawSpanReader.array($0) } == [0xAA, 0xBB, 3])
        memory.fill(PhysicalRange(checkedBase: 0xFFF1, size: 2), with: 9)
        #expect(memory.bytes(PhysicalRange(checkedBase: 0xFFF0, size: 4)) == [0xAA, 9, 9, 4])
        // A zero fill of many pages reads as zero, edges included; its whole pages are marked
        // clean and stay backed, the partial ones at its ends stay marked.
        let wide = PhysicalRange(checkedBase: 0x100, size: 0x18000)
        memory.fill(wide, with: 0x11)
        memory.fill(wide, with: 0)
        #expect(memory.dirtyPageCount(in: PhysicalRange(checkedBase: 0x1000, size: 0x17000)) == 0)
        #expect(memory.residentPageCount(in: PhysicalRange(checkedBase: 0x1000, size: 0x17000)) == 0x17)
        #expect(memory.dirtyPageCount(in: PhysicalRange(checkedBase: 0, size: 0x1000)) == 1 && memory.dirtyPageCount(in: PhysicalRange(checkedBase: 0x18000, size: 0x1000)) == 1)
        #expect(memory.bytes(wide).allSatisfy { $0 == 0 } && memory.bytes(PhysicalRange(checkedBase: 0xFF, size: 1)) == [0])
        for memory in memories { memory._checkInvariants() }
    }

    @Test func configurationErrors() {
        #expect(throws: PhysicalMemory.ConfigurationError.empty) { try PhysicalMemory(ranges: []) }
        let unaligned = PhysicalRange(checkedBase: 0x1000, size: 0x1800)
        #expect(throws: PhysicalMemory.ConfigurationError.notPageAligned(unaligned)) { try PhysicalMemory(ranges: [unaligned]) }
        let a = PhysicalRange(checkedBase: 0x0, size: 0x4000), b = PhysicalRange(checkedBase: 0x2000, size: 0x4000)
        #expect(throws: PhysicalMemory.ConfigurationError.overlapping(a, b)) { try PhysicalMemory(ranges: [b, a]) }
    }

    @Test func memoryNoArm64SystemDecodesOrTooMuchOfItIsRefused() throws {
        // Reaching past 2^52 (PHYS_MASK_SHIFT at its widest), even by a page.
        let beyond = PhysicalRange(checkedBase: (1 << 52) - 4096, size: 8192)
        #expect(throws: PhysicalMemory.ConfigurationError.beyondPhysicalAddressWidth(beyond)) { try PhysicalMemory(ranges: [beyond]) }
        let error = PhysicalMemory.ConfigurationError.beyondPhysicalAddressWidth(beyond).description
        #expect(error.contains("52-bit") && error.contains("PHYS_MASK_SHIFT"))
        // Up to the top is fine, far from other memory.
        let top = PhysicalRange(checkedBase: (1 << 52) - 4096, size: 4096)
        let memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 4096), top])
        #expect(memory.banks.count == 2 && memory.size == 8192)
        // More than the model's 1 TiB in all, in however many ranges.
        let halves = [PhysicalRange(checkedBase: 0, size: 1 << 39), PhysicalRange(checkedBase: 1 << 40, size: (1 << 39) + 4096)]
        #expect(throws: PhysicalMemory.ConfigurationError.tooLarge((1 << 40) + 4096)) { try PhysicalMemory(ranges: halves) }
    }

    @Test func adjacentRangesMergeAndGapsDecodeError() throws {
        let memory = try PhysicalMemory(ranges: [
            PhysicalRange(checkedBase: 0x10000, size: 0x10000),
            PhysicalRange(checkedBase: 0x0, size: 0x10000),
            PhysicalRange(checkedBase: 0x40000, size: 0x10000),
        ])
        #expect(memory.banks.count == 2)
        let bus = Bus(memory: memory)
        // Across the merged boundary works.
        try bus.write(.cpuNonSecure, at: PhysicalAddress(0xFFFE), bytes: [1, 2, 3, 4])
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 0xFFFE, size: 4)) == [1, 2, 3, 4])
        // Across the gap is a decode error, recorded, nothing written.
        #expect(throws: AccessFault.self) { try bus.write(.cpuNonSecure, at: PhysicalAddress(0x1FFFE), bytes: [9, 9, 9, 9]) }
        #expect(bus.faults.count == 1)
        #expect(bus.faults.faults[0].source == "interconnect")
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 0x1FFFE, size: 2)) == [0, 0])
        // Wrapping the address space is refused, not trapped.
        #expect(throws: AccessFault.self) { try bus.copy(.cpuNonSecure, from: PhysicalAddress(.max - 1), to: PhysicalAddress(0), count: 4) }
    }

    @Test func copyAndFillMoveBytesInBulk() throws {
        let memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 1 << 20)])
        let bus = Bus(memory: memory)
        let pattern = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try bus.write(.cpuNonSecure, at: PhysicalAddress(100), bytes: pattern)
        try bus.copy(.codec, from: PhysicalAddress(100), to: PhysicalAddress(200_000), count: 10_000)
        #expect(try bus.read(.display, PhysicalRange(checkedBase: 200_000, size: 10_000)) == pattern)
        // Overlapping copy behaves as memmove.
        try bus.copy(.cpuNonSecure, from: PhysicalAddress(100), to: PhysicalAddress(150), count: 10_000)
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 150, size: 10_000)) == pattern)
        try bus.fill(.cpuNonSecure, PhysicalRange(checkedBase: 0, size: 1 << 20), with: 0)
        #expect(try bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 0, size: 1 << 20)).allSatisfy { $0 == 0 })
    }

    @Test func errnoNamesAndMatching() {
        #expect(Errno.invalidArgument.rawValue == 22)
        #expect(Errno.invalidArgument.description == "EINVAL (Invalid argument)")
        #expect(Errno.notSupported.rawValue == 95)
        #expect(Errno.badFileDescriptorState.name == "EBADFD")
        do {
            throw Errno.noMemory
        } catch Errno.noMemory {
            // matched by ~=
        } catch {
            Issue.record("Errno pattern did not match")
        }
    }

    @Test func pageAlignMatchesTheKernelMacro() {
        #expect(pageAlignUp(0) == 0)
        #expect(pageAlignUp(1) == 4096)
        #expect(pageAlignUp(4096) == 4096)
        #expect(pageAlignUp(.max) == nil)
        #expect(pageAlignUp(UInt64.max - 4094) == nil)
        #expect(pageAlignUp(UInt64.max - 4095) == UInt64.max - 4095)
        #expect(pageAlignUp(UInt64.max - 8190) == UInt64.max - 4095)
    }

    /// Every way of writing marks the pages it writes, and a zero fill writes exactly the
    /// marked pages: on a seeded storm of writes, copies, moves, fills and lent spans over
    /// pages that cross 64-page words, every page left unmarked reads as zeros (the
    /// invariant check reads them all) and every zero fill leaves its range reading zero.
    @Test func zeroFillsWriteWhatWasWrittenAndNothingElse() throws {
        let memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0x10_0000, size: 1 << 20), PhysicalRange(checkedBase: 0x100_0000, size: 1 << 20)])
        var state: UInt64 = 0x5C2B
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % bound
        }
        for step in 0..<3_000 {
            let bank: UInt64 = next(2) == 0 ? 0x10_0000 : 0x100_0000
            let size = 1 + next(next(4) == 0 ? 300_000 : 9_000)
            let range = PhysicalRange(checkedBase: bank + next((1 << 20) - size), size: size)
            switch next(5) {
            case 0: memory.copy(from: [UInt8](repeating: UInt8(1 + step % 255), count: Int(min(size, 4096))).span.bytes, to: range.base)
            case 1: memory.fill(range, with: UInt8(1 + step % 255))
            case 2:
                let to = PhysicalAddress(bank + next((1 << 20) - size))
                memory.move(from: range.base, to: to, count: size)
            case 3: memory.withMutableBytes(PhysicalRange(base: range.base, size: 1)!) { $0.storeBytes(of: 0x77, toByteOffset: 0, as: UInt8.self) }
            default:
                memory.fill(range, with: 0)
                #expect(memory.bytes(range).allSatisfy { $0 == 0 }, "step \(step): \(range) reads nonzero after a zero fill")
            }
            if step % 250 == 0 { memory._checkInvariants() }
        }
        memory._checkInvariants()
        for bank in memory.banks { memory.fill(bank.range, with: 0) }
        #expect(memory.dirtyPageCount() == 0)
        memory._checkInvariants()
    }
}
