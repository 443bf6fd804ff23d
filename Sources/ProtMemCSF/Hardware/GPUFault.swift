import ProtMemMemory

/// A GPU access that did not complete, and who stopped it.
public enum GPUFault: Error, Hashable, Sendable, CustomStringConvertible {
    /// The GPU MMU refused the virtual address.
    case translation(GPUTranslationFault)
    /// The interconnect refused the transaction (the firewall, or no DRAM there).
    case bus(AccessFault)
    /// The GPU in protected mode tried to write memory that is not protected; the GPU model's
    /// protected-output rule refused it (see ``GPUMemoryAccess``).
    case protectedOutput(AccessFault)

    public var description: String {
        switch self {
        case .translation(let fault): fault.description
        case .bus(let fault): "bus fault: \(fault)"
        case .protectedOutput(let fault): "protected-output fault: \(fault)"
        }
    }
}
