import ProtMemBoard

/// When the GPU driver probes relative to the drivers that register heaps: a kernel with
/// everything built in, or modules loaded after boot in one order or the other (udev's order
/// is not fixed).
public enum ProbeOrder: String, Hashable, Sendable, Codable, CaseIterable {
    /// Everything built in: `device_initcall`s run in `drivers/Makefile`'s link order, so the
    /// GPU driver (`gpu/`) probes before `dma-buf/` heaps, `firmware/` (arm_ffa) and `tee/`;
    /// binds retry nothing until `late_initcall` enables deferred probing and retries.
    case linkOrder = "link-order"
    /// The heaps' drivers first, the GPU driver loaded after them as a module: the GPU finds
    /// every heap up.
    case heapsFirst = "heaps-first"
    /// Modules loaded after boot, the GPU driver's first: deferred probing is on, so each
    /// bind (optee's, arm_ffa's, a heap device's) retries the GPU, but a heap registered from
    /// a module's init binds nothing and retries nothing.
    case gpuModuleFirst = "gpu-module-first"

    /// The boot's steps in order.
    var steps: [BootStep] {
        let providers = HeapProvider.allCases.map(BootStep.provider)
        return switch self {
        case .linkOrder: [.gpu] + providers + [.lateInitcall]
        case .heapsFirst: providers + [.lateInitcall, .gpu]
        case .gpuModuleFirst: [.lateInitcall, .gpu] + providers
        }
    }
}

/// One step of the boot the simulation runs before its workloads.
enum BootStep: Hashable {
    /// The GPU's platform driver is registered and its device probed.
    case gpu
    /// A heap provider's driver comes up.
    case provider(HeapProvider)
    /// `deferred_probe_initcall`: deferred probing is enabled and everything deferred is tried
    /// again.
    case lateInitcall
}
