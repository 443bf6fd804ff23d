/// Names one GPU VM (`DRM_IOCTL_PANTHOR_VM_CREATE`'s id).
public struct VMHandle: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "vm \(rawValue)" }
}

/// A context address space and the dma-bufs bound into it (`VM_BIND` map operations): a plain
/// value, kept in place in the device's VM table.
struct PanthorVM {
    struct Binding {
        let range: GPUVirtualRange
        let imported: ImportedDMABuf
    }

    let handle: VMHandle
    let space: GPUAddressSpace
    var bindings: [Binding] = []
}
