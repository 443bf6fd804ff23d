/// Fixed facts about the GPU's address spaces, from panthor.
public enum GPUAddressSpaceLayout {
    /// `panthor_vm_page_size()`: the smallest page the GPU MMU maps (4 KiB; 2 MiB blocks are an
    /// optimisation the model does not need).
    public static let pageSize: UInt64 = 4096
    /// The MCU's VM spans `[0, SZ_4G)` (panthor_fw_init creates it with that range).
    public static let mcuVirtualSize: UInt64 = 1 << 32
    /// `CSF_MCU_SHARED_REGION_START`: where the firmware interface section must start.
    public static let mcuSharedRegionStart: UInt64 = 0x0400_0000
    /// `CSF_MCU_SHARED_REGION_SIZE`: the MCU VM's kernel-allocation window starts at the shared
    /// region and is this long.
    public static let mcuSharedRegionSize: UInt64 = 0x0400_0000
    /// The VA width of a context's VM: `MMU_FEATURES` bits [7:0], 48 on the Mali-G610.
    public static let defaultContextVirtualBits: UInt8 = 48
}
