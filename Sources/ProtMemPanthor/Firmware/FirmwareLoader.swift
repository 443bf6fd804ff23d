import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory

/// What the loader does with PROT sections.
public enum ProtectedSectionPlan: Sendable {
    /// Mainline without protected memory: the sections were dropped at parse time ("Firmware
    /// protected mode entry not be supported, ignoring"), so the loader never sees them.
    case ignore
    /// Allocate them from this source at load, as the RFC's heap path does.
    case allocate(any ProtectedMemorySource)
    /// The userspace design: leave them unmapped until userspace hands in a buffer.
    case awaitUserspace
}

/// Loads a parsed image the way `panthor_fw_load_section_entry` does, section by section in
/// file order:
/// 1. a zero-size section is recorded and nothing else;
/// 2. a normal section gets a kernel BO of order-0 pages, a PROT section its slice of one
///    protected allocation covering every PROT section (one section in every known image, so
///    this is the RFC's per-section allocation; one buffer is also the shape userspace hands in
///    under Boris Brezillon's proposal);
/// 3. the memory is mapped at the section's VA with its flags (no WR → read-only, no EX →
///    no-exec, not CACHED → uncached, PROT → protected);
/// 4. `panthor_fw_init_section_mem`: nothing when the data range is empty and ZERO is clear,
///    else the data is copied to the start and, for ZERO, the rest zeroed, by the non-secure
///    CPU through the bus.
///
/// For PROT sections step 4 meets the firewall. The real images' PROT section has no data and
/// no ZERO, so nothing is written. A PROT section with data cannot be loaded: the copy is
/// attempted and the bus's refusal reported. A PROT|ZERO section without data is not written
/// when the source promises zeroed memory (every protected heap in the model scrubs, and the
/// RFC's heap path relies on the same), and otherwise the fill is attempted and its refusal
/// reported.
enum FirmwareLoader {
    static func load(
        _ image: FirmwareImage, into mcu: GPUAddressSpace, pages: PageAllocator, bus: Bus, plan: ProtectedSectionPlan
    ) throws(FirmwareLoadError) -> LoadedFirmware {
        var loaded = LoadedFirmware(image: image, sections: [], protectedAllocation: nil, warnings: [])
        do throws(FirmwareLoadError) {
            try loadSections(into: &loaded, mcu: mcu, pages: pages, bus: bus, plan: plan)
        } catch {
            loaded.unload(from: mcu)
            throw error
        }
        return loaded
    }

    private static func loadSections(
        into loaded: inout LoadedFirmware, mcu: GPUAddressSpace, pages: PageAllocator, bus: Bus, plan: ProtectedSectionPlan
    ) throws(FirmwareLoadError) {
        let image = loaded.image
        let protectedTotal = image.protectedSections.reduce(UInt64(0)) { $0 + UInt64($1.virtualSize) }
        if case .allocate(let source) = plan, protectedTotal > 0 {
            let first = image.protectedSections.first { $0.virtualSize > 0 }!
            do {
                loaded.protectedAllocation = try source.allocate(ProtectedMemoryRequest(size: protectedTotal, purpose: .firmwareSections))
            } catch {
                throw FirmwareLoadError(sectionIndex: first.index, entryOffset: first.entryOffset,
                                        reason: .protectedAllocationFailed(source: source.name, errno: error))
            }
        }
        var protectedOffset: UInt64 = 0
        for section in image.sections {
            func fail(_ reason: FirmwareLoadError.Reason) -> FirmwareLoadError {
                FirmwareLoadError(sectionIndex: section.index, entryOffset: section.entryOffset, reason: reason)
            }
            let dataSize = section.data.upperBound - section.data.lowerBound
            guard dataSize <= section.virtualSize else {
                throw fail(.initialDataLargerThanSection(dataSize: dataSize, sectionSize: section.virtualSize))
            }
            guard section.virtualSize > 0 else {
                loaded.sections.append(.init(section: section, backing: .none, chunks: []))
                continue
            }
            let size = UInt64(section.virtualSize)
            if section.isProtected {
                switch plan {
                case .ignore:
                    loaded.warnings.append("Firmware protected mode entry not be supported, ignoring")
                    continue
                case .awaitUserspace:
                    loaded.sections.append(.init(section: section, backing: .awaitingUserspace, chunks: []))
                    continue
                case .allocate(let source):
                    let chunks = loaded.protectedAllocation!.chunks(offset: protectedOffset, count: size)!
                    protectedOffset += size
                    try map(section, chunks, mcu, fail)
                    loaded.sections.append(.init(section: section, backing: .protected, chunks: chunks))
                    try initialise(section, chunks: chunks, image: image, bus: bus, protectedFrom: source.name,
                                   sourceZeroes: source.zeroesNewMemory, fail)
                }
            } else {
                let buffer: KernelBuffer
                do { buffer = try KernelBuffer.allocate(size, from: pages) } catch { throw fail(.outOfMemory(error)) }
                do throws(FirmwareLoadError) {
                    try map(section, buffer.chunks, mcu, fail)
                } catch {
                    buffer.free()
                    throw error
                }
                loaded.sections.append(.init(section: section, backing: .kernel(buffer), chunks: buffer.chunks))
                try initialise(section, chunks: buffer.chunks, image: image, bus: bus, protectedFrom: nil, sourceZeroes: false, fail)
            }
        }
    }

    /// The userspace design's second step: map the PROT sections onto `allocation` (which must
    /// cover them all) and initialise them by the same rules as at load.
    static func placeProtectedSections(
        of loaded: inout LoadedFirmware, in allocation: ProtectedAllocation, zeroes: Bool, mcu: GPUAddressSpace, bus: Bus
    ) throws(FirmwareLoadError) {
        var offset: UInt64 = 0
        var placed: [Int] = []
        do throws(FirmwareLoadError) {
            for index in loaded.sections.indices {
                guard case .awaitingUserspace = loaded.sections[index].backing else { continue }
                let section = loaded.sections[index].section
                func fail(_ reason: FirmwareLoadError.Reason) -> FirmwareLoadError {
                    FirmwareLoadError(sectionIndex: section.index, entryOffset: section.entryOffset, reason: reason)
                }
                let size = UInt64(section.virtualSize)
                let chunks = allocation.chunks(offset: offset, count: size)!
                offset += size
                try map(section, chunks, mcu, fail)
                loaded.sections[index].chunks = chunks
                loaded.sections[index].backing = .protected
                placed.append(index)
                try initialise(section, chunks: chunks, image: loaded.image, bus: bus, protectedFrom: allocation.origin, sourceZeroes: zeroes, fail)
            }
        } catch {
            for index in placed {
                _ = try? mcu.unmap(loaded.sections[index].section.virtualRange)
                loaded.sections[index].chunks = []
                loaded.sections[index].backing = .awaitingUserspace
            }
            throw error
        }
        loaded.protectedAllocation = allocation
    }

    /// `panthor_reload_fw_sections`: after a reset, re-initialise every section (a full
    /// reload, after a hang) or only the writable ones (a fast reset). A protected section that
    /// would need the CPU to write it cannot be reloaded; that is recorded as a warning, as
    /// panthor would WARN on the failed vmap.
    static func reload(_ loaded: inout LoadedFirmware, full: Bool, bus: Bus) {
        for entry in loaded.sections where !entry.chunks.isEmpty {
            let section = entry.section
            guard full || section.flags.contains(.write) else { continue }
            let dataSize = section.data.upperBound - section.data.lowerBound
            guard dataSize > 0 || section.isZero else { continue }
            if case .protected = entry.backing {
                loaded.warnings.append("section \(section.index): protected section cannot be re-initialised by the CPU after a reset")
                continue
            }
            do throws(FirmwareLoadError) {
                try initialise(section, chunks: entry.chunks, image: loaded.image, bus: bus, protectedFrom: nil, sourceZeroes: false) {
                    FirmwareLoadError(sectionIndex: section.index, entryOffset: section.entryOffset, reason: $0)
                }
            } catch {
                loaded.warnings.append(error.description)
            }
        }
    }

    private static func map(
        _ section: FirmwareSection, _ chunks: [PhysicalRange], _ mcu: GPUAddressSpace,
        _ fail: (FirmwareLoadError.Reason) -> FirmwareLoadError
    ) throws(FirmwareLoadError) {
        do {
            try mcu.map(section.virtualRange, to: chunks, attributes: section.mappingAttributes)
        } catch {
            throw fail(.mapping(error))
        }
    }

    /// `panthor_fw_init_section_mem`, by the rules in the type's documentation.
    private static func initialise(
        _ section: FirmwareSection, chunks: [PhysicalRange], image: FirmwareImage, bus: Bus, protectedFrom source: String?,
        sourceZeroes: Bool, _ fail: (FirmwareLoadError.Reason) -> FirmwareLoadError
    ) throws(FirmwareLoadError) {
        let data = image.initialData(of: section)
        guard !data.isEmpty || section.isZero else { return }
        if source != nil, data.isEmpty, sourceZeroes { return }
        do {
            let afterData = try PhysicalChunks.write(Array(data), into: chunks, as: .cpuNonSecure, bus: bus)
            if section.isZero {
                try PhysicalChunks.fill(chunks, from: afterData, with: 0, as: .cpuNonSecure, bus: bus)
            }
        } catch {
            guard let source else { throw fail(.cpuWriteRefused(error)) }
            throw fail(data.isEmpty ? .protectedZeroFillRefused(source: source, fault: error) : .protectedInitialDataRefused(error))
        }
    }
}
