/// `GPU_INT_*` bits (panthor_regs.h).
public struct GPUInterrupt: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `GPU_IRQ_FAULT`: a bus or MMU fault outside protected mode.
    public static let fault = Self(rawValue: 1 << 0)
    /// `GPU_IRQ_PROTM_FAULT`: a fault while in protected mode.
    public static let protectedModeFault = Self(rawValue: 1 << 1)
    public static let resetCompleted = Self(rawValue: 1 << 8)
    public static let powerChanged = Self(rawValue: 1 << 9)
    public static let powerChangedAll = Self(rawValue: 1 << 10)
    public static let cleanCachesCompleted = Self(rawValue: 1 << 17)
    public static let doorbellMirror = Self(rawValue: 1 << 18)
    public static let mcuStatusChanged = Self(rawValue: 1 << 19)
}

/// `GPU_STATUS` bits.
public struct GPUStatus: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let active = Self(rawValue: 1 << 0)
    public static let powerActive = Self(rawValue: 1 << 1)
    public static let pageFault = Self(rawValue: 1 << 4)
    /// `GPU_STATUS_PROTM_ACTIVE`: the GPU runs protected work; its transactions carry the
    /// protected identity on the bus.
    public static let protectedModeActive = Self(rawValue: 1 << 7)
    public static let debugEnabled = Self(rawValue: 1 << 8)
}

/// `JOB_INT_*` bits: one per CSG slot, and the global interface's.
public struct JobInterrupt: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `JOB_INT_GLOBAL_IF`
    public static let globalInterface = Self(rawValue: 1 << 31)
    /// `JOB_INT_CSG_IF(x)`
    public static func groupInterface(_ slot: Int) -> Self { Self(rawValue: 1 << UInt32(slot)) }
}

/// Register offsets the model names in its traces.
public enum GPURegister {
    public static let gpuIntStat: UInt32 = 0x2c
    public static let gpuStatus: UInt32 = 0x34
    public static let jobIntStat: UInt32 = 0x100c
    /// `CSF_GLB_DOORBELL_ID`
    public static let globalDoorbell = 0
    /// `CSF_DOORBELL(i)`: `0x80000 + i * 0x10000`.
    public static func doorbell(_ index: Int) -> UInt32 { 0x80000 + UInt32(index) * 0x10000 }
}

/// The GPU's interrupt and status registers as the model keeps them.
package struct GPURegisterFile {
    package var status: GPUStatus = []
    /// `GPU_INT_RAWSTAT`; `GPU_INT_STAT` is this masked.
    package var gpuRaw: GPUInterrupt = []
    /// `GPU_INT_MASK`
    package var gpuMask: GPUInterrupt = [.fault, .protectedModeFault]
    package var jobRaw: JobInterrupt = []

    package init() {}

    package var gpuStat: GPUInterrupt { gpuRaw.intersection(gpuMask) }
}
