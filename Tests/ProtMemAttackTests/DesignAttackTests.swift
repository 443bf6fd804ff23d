import ProtMemAttacks
import ProtMemSimulation
import Testing

/// The design attacks under each design on the built-in board: the GPU's own protected state
/// is reachable from another DMA master exactly where the GPU shares its pool with that
/// master, and never from the CPU.
@Suite struct DesignAttackTests {
    static func results(_ design: Design) -> [String: DesignAttacks.Result] {
        Dictionary(uniqueKeysWithValues: DesignAttacks.run(design).map { ($0.name, $0) })
    }

    @Test(arguments: Design.allCases)
    func everyAttackRunsOrSaysWhyNot(_ design: Design) {
        let results = Self.results(design)
        #expect(results.count == DesignAttacks.names.count)
        for (name, result) in results {
            #expect(!result.reason.contains("could not be set up"), "\(design) \(name): \(result.reason)")
            #expect(!result.threat.isEmpty && (result.succeeded != nil || !result.reason.isEmpty), "\(name) says who attacks, and why it does not apply")
        }
        // The CPU never reads a suspend buffer, under any design.
        #expect(results["cpu-reads-gpu-suspend-buffer"]?.succeeded == false)
    }

    /// The pool the GPU shares with the camera and the codec lets them at the GPU's own
    /// protected state; the GPU's reserved region admits only the protected GPU (and the
    /// display, to read).
    @Test func sharingThePoolIsWhatLetsOtherMastersIn() {
        for design in [Design.heapByName, .heapDevice, .userspace] {
            let results = Self.results(design)
            #expect(results["dma-master-writes-gpu-suspend-buffer"]?.succeeded == true, "\(design)")
            #expect(results["dma-master-reads-gpu-firmware-protected-section"]?.succeeded == true, "\(design)")
        }
        let reserved = Self.results(.reservedRegion)
        #expect(reserved["dma-master-writes-gpu-suspend-buffer"]?.succeeded == false)
        #expect(reserved["dma-master-reads-gpu-firmware-protected-section"]?.succeeded == false)
    }

    /// Chia-I Wu's case exists only where userspace hands the sections in, and there the
    /// protected-mode output rule refuses the firmware's write.
    @Test func anOrdinaryFirmwareBufferOnlyUnderUserspaceImport() {
        #expect(Self.results(.userspace)["ordinary-memory-as-firmware-sections"]?.succeeded == false)
        for design in [Design.heapByName, .heapDevice, .reservedRegion] {
            #expect(Self.results(design)["ordinary-memory-as-firmware-sections"]?.succeeded == nil)
        }
    }
}
