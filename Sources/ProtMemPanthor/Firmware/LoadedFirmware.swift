import ProtMemMemory

/// A firmware image loaded into memory and mapped into the MCU's address space
/// (`ptdev->fw->sections`): each section's backing, and the one allocation behind all PROT
/// sections.
///
/// A plain value: the device keeps it in its core, under its lock, and changes it in place.
struct LoadedFirmware {
    enum Backing {
        case none
        case kernel(KernelBuffer)
        /// A slice of ``LoadedFirmware/protectedAllocation``.
        case protected
        case awaitingUserspace
    }

    struct Section {
        let section: FirmwareSection
        var backing: Backing
        var chunks: [PhysicalRange]
    }

    let image: FirmwareImage
    var sections: [Section]
    var protectedAllocation: ProtectedAllocation?
    /// Things panthor would warn about and carry on from.
    var warnings: [String]
    /// Where the firmware writes its protected-mode state at every entry: the start of the
    /// first PROT section that has a size, `nil` when there is none. The image never changes,
    /// so this is found once rather than by a walk over the sections at every entry.
    let protectedStateVA: UInt64?
    /// Whether the image has PROT sections at all: asked at every `CS_PROTM_PENDING`, and
    /// the image never changes.
    let hasProtectedSections: Bool

    init(image: FirmwareImage, sections: [Section], protectedAllocation: ProtectedAllocation?, warnings: [String]) {
        self.image = image
        self.protectedStateVA = image.sections.first { $0.isProtected && $0.virtualSize > 0 }.map { UInt64($0.va.lowerBound) }
        self.hasProtectedSections = image.sections.contains { $0.isProtected }
        self.sections = sections
        self.protectedAllocation = protectedAllocation
        self.warnings = warnings
    }

    var placements: [FirmwareSectionPlacement] {
        sections.map { loaded in
            let memory: FirmwareSectionPlacement.Memory = switch loaded.backing {
            case .none: .none
            case .kernel: .kernelPages
            case .protected: .protected(origin: protectedAllocation?.origin ?? "?")
            case .awaitingUserspace: .awaitingUserspace
            }
            let mapped = !loaded.chunks.isEmpty
            return FirmwareSectionPlacement(section: loaded.section, memory: memory, chunks: loaded.chunks,
                                            attributes: mapped ? loaded.section.mappingAttributes : nil)
        }
    }

    /// Whether every PROT section has protected memory behind it.
    var protectedSectionsPlaced: Bool {
        !sections.contains { if case .awaitingUserspace = $0.backing { true } else { false } }
    }

    /// The physical chunks of the first PROT section with memory, where the firmware keeps
    /// its protected-mode state.
    var protectedStateChunks: [PhysicalRange]? {
        sections.first { if case .protected = $0.backing { !$0.chunks.isEmpty } else { false } }?.chunks
    }

    /// Unmaps every section and gives back all memory (kernel pages and the protected
    /// allocation). Safe to call once the MCU no longer runs.
    mutating func unload(from mcu: GPUAddressSpace) {
        for index in sections.indices {
            let loaded = sections[index]
            if !loaded.chunks.isEmpty { _ = try? mcu.unmap(loaded.section.virtualRange) }
            if case .kernel(let buffer) = loaded.backing { buffer.free() }
            sections[index].chunks = []
        }
        protectedAllocation?.free()
        protectedAllocation = nil
    }
}
