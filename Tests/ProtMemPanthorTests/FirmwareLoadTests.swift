import ProtMemBoard
@_spi(SecureWorld) import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// Firmware load as panthor does it, with PROT sections in protected memory under each of the
/// four designs, on the default board.
@Suite("Firmware load")
struct FirmwareLoadTests {
    /// Every real image, every design: the PROT section is mapped at its VA with the protected
    /// attribute, backed by memory the non-secure CPU cannot touch and the protected GPU can,
    /// drawn from the design's source; normal sections hold the image's bytes, as the CPU wrote
    /// them; unplug gives everything back.
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"), arguments: ProtectedMemoryDesign.allCases)
    func everyImagePlacesItsProtectedSectionInProtectedMemory(_ design: ProtectedMemoryDesign) throws {
        for url in SharedData.firmwareImages {
            let bytes = try SharedData.bytes(of: url)
            let image = try FirmwareImage.parse(bytes)
            try withLeakCheckedBoard(PanthorBench.configuration) { board in
                let bench = PanthorBench(board: board)
                let gpu = try bench.probedDevice(design, firmware: bytes)
                let placements = gpu.firmwareSections
                #expect(placements.count == image.sections.count, "\(url.lastPathComponent)")
                let protected = placements.filter(\.section.isProtected)
                #expect(protected.count == 1)
                for placement in protected {
                    guard case .protected(let origin) = placement.memory else {
                        Issue.record("\(design): PROT section not in protected memory: \(placement.memory)")
                        continue
                    }
                    #expect(placement.attributes?.contains(.protected) == true)
                    #expect(placement.chunks.reduce(0) { $0 + $1.size } == UInt64(placement.section.virtualSize))
                    for chunk in placement.chunks {
                        #expect(board.bus.verdict(.cpuNonSecure, chunk, .read) != nil, "\(design): CPU may read \(chunk)")
                        #expect(board.bus.verdict(.cpuNonSecure, chunk, .write) != nil)
                        #expect(board.bus.verdict(.gpuProtected, chunk, .read) == nil)
                        #expect(board.bus.verdict(.gpuProtected, chunk, .write) == nil)
                        #expect(board.bus.verdict(.gpu, chunk, .read) != nil, "the GPU outside protected mode may read it")
                        // Fresh from a scrubbing source: zeros, as the protected GPU reads them.
                        #expect(try board.bus.privileged.read(.gpuProtected, chunk).allSatisfy { $0 == 0 })
                        switch design {
                        case .reservedRegion: #expect(PanthorBench.reservedRegion.contains(chunk))
                        case .heapByName, .heapDevice, .userspace:
                            #expect(board.carveoutHeaps[0].region.contains(chunk), "\(origin)")
                        }
                    }
                    let translated = try gpu.mmu!.mcu.translate(placement.section.virtualRange, access: .write)
                    #expect(translated == mergedChunks(placement.chunks))
                }
                for placement in placements where !placement.section.isProtected && placement.section.virtualSize > 0 {
                    #expect(placement.memory == .kernelPages)
                    #expect(placement.attributes == placement.section.mappingAttributes)
                    let data = Array(image.initialData(of: placement.section))
                    let loaded = try readAll(placement.chunks, count: UInt64(placement.section.virtualSize), bus: board.bus)
                    #expect(Array(loaded.prefix(data.count)) == data, "section \(placement.section.index) data")
                    if placement.section.isZero {
                        #expect(loaded.dropFirst(data.count).allSatisfy { $0 == 0 })
                    }
                }
                #expect(gpu.protectedMemoryRequirements.ready)
                gpu.unplug()
            }
        }
    }

    /// Mainline (no protected memory): the PROT section is skipped with panthor's warning and
    /// nothing protected is allocated.
    @Test func withoutProtectedMemoryTheSectionIsIgnored() throws {
        try withLeakCheckedBoard { board in
            let gpu = PanthorBench(board: board).device(.none)
            try gpu.probe()
            #expect(!gpu.firmwareSections.contains { $0.section.isProtected })
            #expect(gpu.warnings.contains("Firmware protected mode entry not be supported, ignoring"))
            #expect(!gpu.protectedMemoryRequirements.ready)
            gpu.unplug()
        }
    }

    /// A PROT section with initial data: the non-secure CPU's copy is refused by the firewall,
    /// the probe fails with that reason, and nothing is left allocated.
    @Test(arguments: [ProtectedMemoryDesign.heapByName, .reservedRegion, .heapDevice])
    func protectedInitialDataCannotBeWritten(_ design: ProtectedMemoryDesign) throws {
        let base = UInt32(FirmwareImageBuilder.dataBase)
        let image = TestFirmware.synthetic(protectedData: (base, base + 0x80)).build()
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let faultsBefore = board.bus.faults.count
            let gpu = bench.device(bench.protectedMemory(design), firmware: image)
            do throws(PanthorError) {
                try gpu.probe()
                Issue.record("probe succeeded")
            } catch {
                #expect(error.errno == .permissionDenied)
                #expect(error.reason.contains("non-secure CPU cannot write into protected memory"), "\(error)")
            }
            let faults = board.bus.faults.faults(since: faultsBefore)
            #expect(faults.count == 1 && faults[0].master == .cpuNonSecure && faults[0].kind == .write && faults[0].source == "tzc400")
            #expect(!gpu.isProbed)
            #expect(board.heaps.heaps.allSatisfy { $0.referenceCount == 1 }, "dma_heap_put on the error path")
        }
    }

    /// A PROT|ZERO section with no data: a scrubbing source is trusted and nothing is written;
    /// handed-in buffers are not, and the CPU's zero fill is refused.
    @Test func protectedZeroSectionsRelyOnTheSource() throws {
        let image = TestFirmware.synthetic(protectedFlags: 0x8000_002b).build()
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let faultsBefore = board.bus.faults.count
            let trusted = try bench.probedDevice(.heapByName, firmware: image)
            #expect(board.bus.faults.count == faultsBefore, "no write was attempted")
            trusted.unplug()

            let handedIn = bench.device(.userspace, firmware: image)
            try handedIn.probe()
            #expect(handedIn.firmwareSections.contains { $0.memory == .awaitingUserspace })
            let buffer = try bench.allocate(handedIn.protectedMemoryRequirements.firmwareSectionsSize, from: "protected-carveout")
            #expect {
                try handedIn.installProtectedFirmwareBuffer(buffer)
            } throws: { error in
                "\(error)".contains("does not hand out zeroed memory")
            }
            #expect(buffer.referenceCount == 1 && buffer.attachedDevices.isEmpty, "the failed import left nothing behind")
            try buffer.put()
            handedIn.unplug()
        }
    }

    /// The userspace design checks sizes: a buffer smaller than the sections is `EINVAL`.
    @Test func handedInBuffersMustBeLargeEnough() throws {
        try withLeakCheckedBoard { board in
            let bench = PanthorBench(board: board)
            let gpu = bench.device(.userspace)
            try gpu.probe()
            let needed = gpu.protectedMemoryRequirements
            #expect(!needed.ready && needed.firmwareSectionsSize == 0x40000 && needed.groupSuspendSize == 0x10000)
            let small = try bench.allocate(needed.firmwareSectionsSize - 4096, from: "protected-carveout")
            #expect(throws: PanthorError.self) { try gpu.installProtectedFirmwareBuffer(small) }
            try small.put()
            let vm = try gpu.createVM()
            #expect(throws: Errno.invalidArgument) { try gpu.createGroup(vm: vm, priority: .medium) }
            gpu.unplug()
        }
    }

    /// A normal section whose data is longer than the section is refused, not overrun.
    @Test func dataLongerThanTheSectionIsRefused() throws {
        var builder = FirmwareImageBuilder()
        let base = UInt32(FirmwareImageBuilder.dataBase)
        builder.section(flags: 0x0d, va: (0x0080_0000, 0x0080_1000), data: (base, base + 0x1800))
        builder.sharedSection()
        try withLeakCheckedBoard { board in
            let gpu = PanthorBench(board: board).device(.none, firmware: builder.build())
            #expect {
                try gpu.probe()
            } throws: { error in
                "\(error)".contains("initial data of 6144 bytes does not fit the 4096-byte section")
            }
        }
    }

    private func readAll(_ chunks: [PhysicalRange], count: UInt64, bus: Bus) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for chunk in chunks { bytes += try bus.read(.cpuNonSecure, chunk) }
        return Array(bytes.prefix(Int(count)))
    }

    private func mergedChunks(_ chunks: [PhysicalRange]) -> [PhysicalRange] {
        var merged: [PhysicalRange] = []
        for chunk in chunks {
            if let last = merged.last, last.end == chunk.base.rawValue {
                merged[merged.count - 1] = PhysicalRange(base: last.base, size: last.size + chunk.size)!
            } else {
                merged.append(chunk)
            }
        }
        return merged
    }
}
