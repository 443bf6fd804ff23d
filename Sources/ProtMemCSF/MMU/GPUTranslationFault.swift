/// A GPU access the MMU refused: the address space, the first faulting address (what
/// `AS_FAULTADDRESS` latches), the access, and why. Recorded in the MMU's fault log, then
/// thrown to whoever issued the access; no byte of the access reaches memory.
public struct GPUTranslationFault: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// Nothing is mapped at the address.
        case unmapped
        /// A write or atomic to a read-only mapping.
        case writeToReadOnly
        /// An instruction fetch from a no-exec mapping.
        case executeNoExecute

        /// The exception family panthor names (`DRM_PANTHOR_EXCEPTION_TRANSLATION_FAULT_n` at
        /// 0xc0 + level, `PERM_FAULT_n` at 0xc8 + level). The model has no page-table levels,
        /// so it names the family, not the level.
        public var exceptionFamily: String {
            switch self {
            case .unmapped: "TRANSLATION_FAULT"
            case .writeToReadOnly, .executeNoExecute: "PERM_FAULT"
            }
        }
    }

    public let addressSpace: GPUAddressSpaceID
    /// The first address of the access that faulted.
    public let address: GPUVirtualAddress
    /// The size of the whole access that was refused.
    public let size: UInt64
    public let access: GPUAccessType
    public let reason: Reason

    public init(addressSpace: GPUAddressSpaceID, address: GPUVirtualAddress, size: UInt64, access: GPUAccessType, reason: Reason) {
        self.addressSpace = addressSpace
        self.address = address
        self.size = size
        self.access = access
        self.reason = reason
    }

    public var description: String {
        let why = switch reason {
        case .unmapped: "nothing mapped"
        case .writeToReadOnly: "mapping is read-only"
        case .executeNoExecute: "mapping is no-exec"
        }
        return "GPU \(reason.exceptionFamily) in \(addressSpace) at \(address): \(access) of \(size) bytes, \(why)"
    }
}
