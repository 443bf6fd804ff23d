import ProtMemMemory

/// The secure-side service that wipes protected pages. A normal-world heap cannot write the
/// memory it manages once the firewall guards it, so scrubbing is asked of the secure world
/// (in a real system, an SMC to the TEE or the secure monitor). Implemented by the secure
/// world module; the heaps only see this protocol, keeping the layers one-way.
public protocol ProtectedMemoryScrubber: AnyObject, Sendable {
    /// Writes zeros over `range` as a master allowed to; throws the bus fault if even that
    /// master is refused.
    func scrub(_ range: PhysicalRange) throws(AccessFault)
}

/// Why a protected heap refused its configuration.
public struct HeapConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let heap: String
    public let reason: String

    public init(heap: String, reason: String) {
        self.heap = heap
        self.reason = reason
    }

    public var description: String { "heap \(heap): \(reason)" }
}
