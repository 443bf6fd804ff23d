/// The kernel whose userspace ABI the model answers as, where two that ProtMem checks
/// against (Scripts/kernel-abi-check.sh boots both) answer differently.
public enum KernelVersion: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Linux 6.12 (Debian trixie): udmabuf's `size_limit_mb` is 64.
    case linux6_12 = "6.12"
    /// Linux 7.3 (Debian trixie-backports 7.3.4): `/sys/module/udmabuf/parameters/size_limit_mb`
    /// reads 2147483647, so a `UDMABUF_CREATE` 6.12 refuses over 64 MiB goes through.
    case linux7_3 = "7.3"

    public var description: String { rawValue }

    /// udmabuf's `size_limit_mb` as the kernel boots with it.
    public var udmabufSizeLimitMB: UInt64 {
        switch self {
        case .linux6_12: UDMABufDevice.defaultSizeLimitMB
        case .linux7_3: 2_147_483_647
        }
    }
}
