import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld

/// Board variants the suites need beside the built-in default, each differing in one thing.
public enum TestBoards {
    /// OP-TEE without a static pool: `protected,secure-video` lends 32 MiB from CMA on first use.
    public static var opteeDynamic: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-optee-dynamic"
        configuration.optee = OPTEEConfiguration(dynamicPool: .init(minimumSize: 32 << 20))
        return configuration
    }

    /// The default board plus MediaTek's secure-memory TA: a 32 MiB TA-managed carve-out and a
    /// 64 MiB dynamic restricted region, both taken from the top of ordinary RAM.
    public static var mediatek: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-mediatek"
        configuration.mediatek = MediaTekConfiguration(
            carveout: PhysicalRange(checkedBase: 0xA200_0000, size: 32 << 20),
            dynamicRegion: PhysicalRange(checkedBase: 0x9E00_0000, size: 64 << 20)
        )
        return configuration
    }

    /// A board whose protected memory comes from a hypervisor: no OP-TEE; the
    /// `protected,secure-video` heap lends system RAM to the protected-media endpoint.
    public static var hypervisor: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-hypervisor"
        configuration.optee = nil
        configuration.hypervisor = HypervisorConfiguration()
        return configuration
    }
}
