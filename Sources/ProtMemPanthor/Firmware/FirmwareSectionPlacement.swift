import ProtMemMemory

/// Where a loaded firmware section lives: what a test or report sees of the loader's work.
public struct FirmwareSectionPlacement: Hashable, Sendable {
    public enum Memory: Hashable, Sendable {
        /// A zero-size section: recorded, nothing allocated or mapped (as panthor).
        case none
        /// Kernel pages (shmem), written by the CPU.
        case kernelPages
        /// Protected memory from the named source.
        case protected(origin: String)
        /// A PROT section under the userspace design, before userspace has handed in its buffer.
        case awaitingUserspace
    }

    public let section: FirmwareSection
    public let memory: Memory
    /// The physical chunks behind the section's VA range, in order (empty when unmapped).
    public let chunks: [PhysicalRange]
    /// The MCU mapping's attributes, when the section is mapped.
    public let attributes: GPUMappingAttributes?
}
