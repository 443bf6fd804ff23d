import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// The MMU's address spaces, and the real firmware's sections mapped into the MCU's.
@Suite("GPU MMU")
struct GPUMMUTests {
    @Test func contextsAreSeparateSpacesWithFreshIDs() throws {
        let mmu = GPUMMU(contextVirtualBits: 48)
        let first = mmu.createContext(), second = mmu.createContext()
        #expect([first.id, second.id] == [.context(1), .context(2)])
        #expect(first.limit == 1 << 48 && mmu.mcu.limit == 1 << 32)
        let range = GPUVirtualRange(start: GPUVirtualAddress(0x1_0000_0000), size: 0x1000)!
        try first.map(range, to: [PhysicalRange(checkedBase: 0x8000_0000, size: 0x1000)], attributes: [])
        try second.map(range, to: [PhysicalRange(checkedBase: 0x9000_0000, size: 0x1000)], attributes: [])
        #expect(try first.translate(range, access: .read).first?.base == PhysicalAddress(0x8000_0000))
        #expect(try second.translate(range, access: .read).first?.base == PhysicalAddress(0x9000_0000))
        #expect(throws: GPUMMUError.self) { try mmu.mcu.map(range, to: [PhysicalRange(checkedBase: 0, size: 0x1000)], attributes: []) }

        #expect(mmu.destroyContext(.context(1)))
        #expect(!mmu.destroyContext(.context(1)) && !mmu.destroyContext(.mcu))
        #expect(mmu.addressSpace(.context(1)) == nil && mmu.addressSpace(.context(2)) === second)
        #expect(mmu.createContext().id == .context(3))
        #expect(mmu.contextIDs == [.context(2), .context(3)])
    }

    /// Every real image's sections map into the MCU space without overlapping, with panthor's
    /// attributes; the resulting permissions fault where they should.
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"))
    func realFirmwareSectionsMapIntoTheMCUSpace() throws {
        for url in SharedData.firmwareImages {
            let image = try FirmwareImage.parse(try SharedData.bytes(of: url))
            let mmu = GPUMMU()
            var next: UInt64 = 0x2_0000_0000
            for section in image.sections where section.virtualSize > 0 {
                let pages = [PhysicalRange(checkedBase: next, size: UInt64(section.virtualSize))]
                next += UInt64(section.virtualSize)
                try mmu.mcu.map(section.virtualRange, to: pages, attributes: section.mappingAttributes)
            }
            #expect(mmu.mcu.mappings.count == image.sections.count)

            let code = try #require(image.sections.first { $0.flags.contains(.execute) })
            let shared = image.sharedSection
            let protected = try #require(image.protectedSections.first)
            #expect(try mmu.mcu.translate(code.virtualRange, access: .execute).count == 1)
            #expect(throws: GPUTranslationFault.self) { try mmu.mcu.translate(code.virtualRange, access: .write) }
            #expect(throws: GPUTranslationFault.self) { try mmu.mcu.translate(shared.virtualRange, access: .execute) }
            #expect(try mmu.mcu.translate(shared.virtualRange, access: .write).count == 1)
            #expect(mmu.mcu.mapping(containing: protected.virtualRange.start)?.attributes.contains(.protected) == true)
            #expect(mmu.faultLog.faults.map(\.reason) == [.writeToReadOnly, .executeNoExecute])
        }
    }

    /// Concurrent maps of disjoint ranges all land; the lock keeps the list sorted and whole.
    @Test func concurrentMapsAreSerialised() async throws {
        let space = GPUMMU().createContext()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<64 {
                        let page = UInt64(task * 64 + index)
                        try space.map(GPUVirtualRange(start: GPUVirtualAddress(page * 0x2000), size: 0x1000)!,
                                      to: [PhysicalRange(checkedBase: 0x8000_0000 + page * 0x1000, size: 0x1000)], attributes: [])
                    }
                }
            }
            try await group.waitForAll()
        }
        let starts = space.mappings.map(\.virtualRange.start.rawValue)
        #expect(starts.count == 512)
        #expect(starts == starts.sorted())
    }
}
