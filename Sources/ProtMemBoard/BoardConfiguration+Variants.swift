import ProtMemMemory
import ProtMemSecureWorld

/// The built-in default board with one thing changed: the variants the attack catalogue, the
/// tests and the benchmarks all run on, defined once so each sees the same board.
extension BoardConfiguration {
    /// OP-TEE without a static pool: `protected,secure-video` lends 32 MiB of CMA with
    /// `LEND_PROTMEM` on first use and reclaims it when its last buffer goes.
    public static var builtinOPTEEDynamic: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-optee-dynamic"
        configuration.optee = OPTEEConfiguration(dynamicPool: .init(minimumSize: 32 << 20))
        return configuration
    }

    /// The default board plus MediaTek's secure-memory TA: a 32 MiB TA-managed carve-out
    /// (`restricted_mtk_cm`) and a 64 MiB dynamic restricted region (`restricted_mtk_cma`),
    /// both taken from the top of ordinary RAM.
    public static var builtinMediaTek: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-mediatek"
        configuration.mediatek = MediaTekConfiguration(
            carveout: PhysicalRange(checkedBase: 0xA200_0000, size: 32 << 20),
            dynamicRegion: PhysicalRange(checkedBase: 0x9E00_0000, size: 64 << 20)
        )
        return configuration
    }

    /// Protected memory from a hypervisor instead of OP-TEE: the `protected,secure-video` heap
    /// lends system RAM to the protected-media endpoint (the model's strict stage 2).
    public static var builtinHypervisor: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-hypervisor"
        configuration.optee = nil
        configuration.hypervisor = HypervisorConfiguration()
        return configuration
    }
}
