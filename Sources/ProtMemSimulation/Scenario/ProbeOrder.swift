import ProtMemBoard

/// When the GPU driver probes relative to the drivers that register heaps: the difference
/// between a kernel with everything built in and one that loads the GPU driver as a module.
public enum ProbeOrder: String, Hashable, Sendable, Codable, CaseIterable {
    /// Everything built in: `device_initcall`s run in `drivers/Makefile`'s link order, so the
    /// GPU driver (`gpu/`) probes before `dma-buf/` heaps, `firmware/` (arm_ffa) and `tee/`;
    /// `late_initcall` then retries what is still deferred.
    case linkOrder = "link-order"
    /// The heaps' drivers built in (or loaded first) and the GPU driver loaded later as a
    /// module, as udev does on most distributions: the GPU finds every heap up.
    case heapsFirst = "heaps-first"

    /// The boot's steps in order.
    var steps: [BootStep] {
        let providers = HeapProvider.allCases.map(BootStep.provider)
        return switch self {
        case .linkOrder: [.gpu] + providers + [.lateInitcall]
        case .heapsFirst: providers + [.lateInitcall, .gpu]
        }
    }
}

/// One step of the boot the simulation runs before its workloads.
enum BootStep: Hashable {
    /// The GPU's platform driver is registered and its device probed.
    case gpu
    /// A heap provider's driver comes up.
    case provider(HeapProvider)
    /// `deferred_probe_initcall`: every deferred probe is tried once more.
    case lateInitcall
}
