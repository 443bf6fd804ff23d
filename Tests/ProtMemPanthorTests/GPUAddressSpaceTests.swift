import ProtMemMemory
import ProtMemPanthor
import Testing

/// Map, unmap and translate in one address space, with every refusal leaving it unchanged.
@Suite("GPU address space")
struct GPUAddressSpaceTests {
    static let page: UInt64 = 4096

    func va(_ start: UInt64, pages: UInt64) -> GPUVirtualRange {
        GPUVirtualRange(start: GPUVirtualAddress(start), size: pages * Self.page)!
    }

    func phys(_ base: UInt64, pages: UInt64) -> PhysicalRange {
        PhysicalRange(checkedBase: base, size: pages * Self.page)
    }

    @Test func translateReturnsTheChunksInVAOrderMergingContiguousOnes() throws {
        let mmu = GPUMMU()
        // Pages 0-1 at 0x8000_0000, page 2 right after them, page 3 elsewhere.
        try mmu.mcu.map(va(0x10_0000, pages: 4), to: [phys(0x8000_0000, pages: 2), phys(0x8000_2000, pages: 1), phys(0x9000_0000, pages: 1)],
                        attributes: [])
        let whole = try mmu.mcu.translate(va(0x10_0000, pages: 4), access: .read)
        #expect(whole == [phys(0x8000_0000, pages: 3), phys(0x9000_0000, pages: 1)])
        // A sub-range crossing the chunk boundary, not page-aligned: bytes, not pages.
        let part = GPUVirtualRange(start: GPUVirtualAddress(0x10_2800), size: 0x1000)!
        #expect(try mmu.mcu.translate(part, access: .read)
            == [PhysicalRange(checkedBase: 0x8000_2800, size: 0x800), PhysicalRange(checkedBase: 0x9000_0000, size: 0x800)])
        #expect(try mmu.mcu.translate(GPUVirtualRange(start: GPUVirtualAddress(0x10_0000), size: 0)!, access: .write) == [])
        #expect(mmu.faultLog.count == 0)
    }

    @Test func translateSpansAdjacentMappings() throws {
        let space = GPUMMU().createContext()
        try space.map(va(0x20_0000, pages: 1), to: [phys(0x1000_0000, pages: 1)], attributes: [])
        try space.map(va(0x20_1000, pages: 1), to: [phys(0x1000_1000, pages: 1)], attributes: [.noExecute])
        #expect(try space.translate(va(0x20_0000, pages: 2), access: .write) == [phys(0x1000_0000, pages: 2)])
        #expect(space.mapping(containing: GPUVirtualAddress(0x20_1fff))?.attributes == [.noExecute])
        #expect(space.mapping(containing: GPUVirtualAddress(0x20_2000)) == nil)
    }

    @Test func refusedMapsChangeNothing() throws {
        let mmu = GPUMMU()
        let space = mmu.mcu
        try space.map(va(0x40_0000, pages: 4), to: [phys(0x8000_0000, pages: 4)], attributes: [.readOnly])
        let before = space.mappings

        func refusal(_ range: GPUVirtualRange, _ pages: [PhysicalRange]) -> GPUMMUError? {
            do {
                try space.map(range, to: pages, attributes: [])
                return nil
            } catch {
                return error
            }
        }
        let overlap = refusal(va(0x40_3000, pages: 2), [phys(0x9000_0000, pages: 2)])
        #expect(overlap?.reason == .overlapsMapping(va(0x40_0000, pages: 4)))
        #expect(overlap?.errno == .noSpace)
        #expect(refusal(va(0x3f_f000, pages: 2), [phys(0x9000_0000, pages: 2)])?.errno == .noSpace)
        #expect(refusal(GPUVirtualRange(start: GPUVirtualAddress(0x10_0800), size: 0x1000)!, [phys(0x9000_0000, pages: 1)])?.reason
            == .notPageAligned)
        #expect(refusal(GPUVirtualRange(start: GPUVirtualAddress(0x10_0000), size: 0x800)!, [])?.reason == .notPageAligned)
        #expect(refusal(va(0x10_0000, pages: 0), [])?.reason == .empty)
        #expect(refusal(va(0xffff_f000, pages: 2), [phys(0x9000_0000, pages: 2)])?.reason == .outsideAddressSpace(limit: 1 << 32))
        let odd = PhysicalRange(checkedBase: 0x9000_0800, size: 0x1000)
        #expect(refusal(va(0x10_0000, pages: 1), [odd])?.reason == .physicalChunkNotPageAligned(odd))
        #expect(refusal(va(0x10_0000, pages: 2), [phys(0x9000_0000, pages: 1)])?.reason
            == .physicalSizeMismatch(virtual: 0x2000, physical: 0x1000))
        #expect(refusal(va(0x10_0000, pages: 1), [phys(0x9000_0000, pages: 2)])?.errno == .invalidArgument)
        #expect(space.mappings == before)
        #expect(overlap?.description.contains("ENOSPC") == true)
    }

    @Test func unmapSplitsStraddlingMappingsAndReturnsWhatItRemoved() throws {
        let space = GPUMMU().createContext()
        try space.map(va(0x10_0000, pages: 4), to: [phys(0x8000_0000, pages: 2), phys(0x9000_0000, pages: 2)], attributes: [.uncached])
        let removed = try space.unmap(va(0x10_1000, pages: 2))
        #expect(removed.map(\.virtualRange) == [va(0x10_1000, pages: 2)])
        #expect(removed.first?.pages == [phys(0x8000_1000, pages: 1), phys(0x9000_0000, pages: 1)])
        #expect(space.mappings.map(\.virtualRange) == [va(0x10_0000, pages: 1), va(0x10_3000, pages: 1)])
        #expect(space.mappings.map(\.pages) == [[phys(0x8000_0000, pages: 1)], [phys(0x9000_1000, pages: 1)]])
        #expect(space.mappings.allSatisfy { $0.attributes == [.uncached] })
        #expect(throws: GPUTranslationFault.self) { try space.translate(va(0x10_1000, pages: 1), access: .read) }

        // A hole unmaps to nothing; a range over both pieces removes both.
        #expect(try space.unmap(va(0x50_0000, pages: 1)).isEmpty)
        #expect(try space.unmap(va(0x0, pages: 0x200)).count == 2)
        #expect(space.mappings.isEmpty)
        #expect(throws: GPUMMUError.self) { try space.unmap(va(0x10_0000, pages: 0)) }
    }

    @Test func faultsAreRecordedWithSpaceAddressAccessAndReason() throws {
        let mmu = GPUMMU()
        let context = mmu.createContext()
        try context.map(va(0x10_0000, pages: 1), to: [phys(0x8000_0000, pages: 1)], attributes: [.readOnly, .noExecute])
        try context.map(va(0x20_0000, pages: 1), to: [phys(0x8000_1000, pages: 1)], attributes: [])

        func fault(_ range: GPUVirtualRange, _ access: GPUAccessType) -> GPUTranslationFault? {
            do {
                _ = try context.translate(range, access: access)
                return nil
            } catch {
                return error
            }
        }
        let start = mmu.faultLog.count
        // Mapped for its first page only: the fault is at the first unmapped byte.
        let partial = fault(va(0x10_0000, pages: 2), .read)
        #expect(partial == GPUTranslationFault(addressSpace: .context(1), address: GPUVirtualAddress(0x10_1000), size: 0x2000,
                                               access: .read, reason: .unmapped))
        #expect(fault(va(0x10_0000, pages: 1), .write)?.reason == .writeToReadOnly)
        #expect(fault(va(0x10_0000, pages: 1), .atomic)?.reason == .writeToReadOnly)
        #expect(fault(va(0x10_0000, pages: 1), .execute)?.reason == .executeNoExecute)
        #expect(fault(va(0x20_0000, pages: 1), .execute) == nil)
        #expect(fault(va(0x10_0000, pages: 1), .read) == nil)
        let recorded = mmu.faultLog.faults(since: start)
        #expect(recorded.map(\.reason) == [.unmapped, .writeToReadOnly, .writeToReadOnly, .executeNoExecute])
        #expect(recorded.map(\.access) == [.read, .write, .atomic, .execute])
        #expect(recorded.map(\.reason.exceptionFamily) == ["TRANSLATION_FAULT", "PERM_FAULT", "PERM_FAULT", "PERM_FAULT"])
        #expect(recorded.allSatisfy { $0.addressSpace == .context(1) })
        #expect(partial?.description == "GPU TRANSLATION_FAULT in context 1 at 0x101000: READ of 8192 bytes, nothing mapped")
        #expect(GPUAccessType.allCases.map(\.rawValue) == [0, 1, 2, 3])
    }

    @Test func theProtectedAttributeIsKeptThroughSplits() throws {
        let space = GPUMMU().mcu
        try space.map(va(0x300_0000, pages: 4), to: [phys(0xa000_0000, pages: 4)], attributes: [.noExecute, .protected])
        try space.unmap(va(0x300_0000, pages: 1))
        #expect(space.mappings.map(\.attributes) == [[.noExecute, .protected]])
        #expect(GPUMappingAttributes.readOnly.rawValue == 1 && GPUMappingAttributes.noExecute.rawValue == 2
            && GPUMappingAttributes.uncached.rawValue == 4)
    }
}
