import ProtMemMemory

/// Why the driver could not load a parsed firmware image into memory, and which section.
///
/// Loading is all or nothing: by the time this is thrown every page allocated and every
/// mapping made for the image has been given back.
public struct FirmwareLoadError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// The section's initial data is longer than the section. Panthor never compares the
        /// two and would overrun the BO; the model refuses.
        case initialDataLargerThanSection(dataSize: UInt32, sectionSize: UInt32)
        /// No pages for a normal section's kernel BO.
        case outOfMemory(Errno)
        /// The protected-memory source refused the PROT sections' memory.
        case protectedAllocationFailed(source: String, errno: Errno)
        /// The MCU address space refused the mapping.
        case mapping(GPUMMUError)
        /// The CPU's write of a normal section's data or zeros was refused (a board whose
        /// kernel memory the CPU cannot write).
        case cpuWriteRefused(AccessFault)
        /// A PROT section has initial data, and the normal-world CPU may not write protected
        /// memory: the bus refused the copy. (Panthor would fail to vmap the imported buffer,
        /// WARN, and boot the firmware with the section uninitialised.)
        case protectedInitialDataRefused(AccessFault)
        /// A PROT section is flagged ZERO, the source does not promise zeroed memory, and the
        /// CPU's zero fill was refused.
        case protectedZeroFillRefused(source: String, fault: AccessFault)
    }

    /// The section's index in `FirmwareImage.sections`, when one is to blame.
    public let sectionIndex: Int?
    /// The file offset of that section's entry.
    public let entryOffset: Int?
    public let reason: Reason

    /// What the kernel would return.
    public var errno: Errno {
        switch reason {
        case .outOfMemory(let e), .protectedAllocationFailed(_, let e): e
        case .mapping(let error): error.errno
        case .cpuWriteRefused, .protectedInitialDataRefused, .protectedZeroFillRefused: .permissionDenied
        case .initialDataLargerThanSection: .invalidArgument
        }
    }

    public var description: String {
        let place = sectionIndex.map { index in
            "section \(index)" + (entryOffset.map { " (entry at 0x\(String($0, radix: 16)))" } ?? "") + ": "
        } ?? ""
        let why = switch reason {
        case .initialDataLargerThanSection(let data, let size):
            "initial data of \(data) bytes does not fit the \(size)-byte section"
        case .outOfMemory(let e): "no memory for the section (\(e.name))"
        case .protectedAllocationFailed(let source, let e): "\(source) could not provide protected memory (\(e.name))"
        case .mapping(let error): error.description
        case .cpuWriteRefused(let fault): "the CPU could not initialise the section: \(fault)"
        case .protectedInitialDataRefused(let fault):
            "a protected section has initial data, which the non-secure CPU cannot write into protected memory: \(fault)"
        case .protectedZeroFillRefused(let source, let fault):
            "a protected ZERO section must be zeroed, \(source) does not hand out zeroed memory, and the non-secure CPU cannot zero protected memory: \(fault)"
        }
        return "firmware load: \(place)\(why) (\(errno.name))"
    }
}
