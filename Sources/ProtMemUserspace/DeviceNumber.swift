/// A character device number, `dev_t`: the major picks the driver, the minor the device.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    public let major: UInt32
    public let minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "\(major):\(minor)" }

    /// The `dma_heap` region's major. The kernel allocates it at boot (`alloc_chrdev_region`);
    /// 251 is what the reference kernel gave it (kernel-interfaces.md §9).
    public static let dmaHeapMajor: UInt32 = 251
    /// `MISC_MAJOR`
    public static let miscMajor: UInt32 = 10
    /// `MEM_MAJOR`
    public static let memMajor: UInt32 = 1

    /// `/dev/udmabuf`: a misc device with a dynamic minor; 258 on the reference kernel.
    public static let udmabuf = DeviceNumber(major: miscMajor, minor: 258)
    /// `/dev/null`
    public static let null = DeviceNumber(major: memMajor, minor: 3)

    /// `/dev/dma_heap/<name>` of the heap with that minor.
    public static func dmaHeap(minor: Int) -> DeviceNumber {
        DeviceNumber(major: dmaHeapMajor, minor: UInt32(minor))
    }
}
