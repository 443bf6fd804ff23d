import ProtMemDevices
@testable import ProtMemSimulation
import ProtMemBoard
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Testing

/// Each fault once: a device refused on the bus reports the refusal itself, and the bus's log
/// adds only what no device reported.
@Suite struct FaultReportingTests {
    static func fault(_ address: UInt64, source: String = "tzc400") -> AccessFault {
        AccessFault(master: .camera, address: PhysicalAddress(address), size: 0x1000, kind: .write, source: source, reason: "denied")
    }

    @Test func aDevicesLineStandsForTheBusFaultBehindIt() {
        let recorder = Recorder(), log = FaultLog()
        recorder.busFaults = log
        let first = Self.fault(0xa400_0000), second = Self.fault(0xa415_2000)
        log.record(first)
        recorder.fault("camera", "frame 0", DMAMasterError.fault(first), at: .zero)
        // The bus refused someone no device line speaks for.
        log.record(second)
        // A refusal that never went through the bus (the secure producer's) claims nothing.
        recorder.fault("codec", "frame 1", Self.fault(0xb800_0000, source: SecureProducer.faultSource), at: .zero)
        // Nor does the same fault reported twice.
        recorder.fault("camera", "frame 0 again", DMAMasterError.fault(second), at: .zero)
        recorder.fault("camera", "frame 0 again", DMAMasterError.fault(second), at: .zero)
        #expect(recorder.reportsBusFault(0) && recorder.reportsBusFault(1) && !recorder.reportsBusFault(2))
        #expect(recorder.busFaultsReportedCount == 2)
        #expect(recorder.faults.first == "[0.000 ms] camera: frame 0: \(first)")
    }

    /// The broken record scenario: seven captures refused by the firewall, seven faults, each
    /// listed once as the camera's (naming the firewall that refused it), none again as the bus's.
    @Test func theBrokenScenarioCountsEachFaultOnce() throws {
        let report = try Simulation(scenario: try SimulationTests.scenario("broken-record-into-optee-pool.yaml"), configuration: .builtinDefault).run().report
        #expect(report.faultCount == 7)
        #expect(report.faults.count == 7 && report.faults.allSatisfy { $0.contains("camera: frame") && $0.contains("tzc400") })
        #expect(!report.faults.contains { $0.hasPrefix("bus: ") })
        #expect(report.devices.first { $0.name == "camera" }?.faults == 7)
        #expect(Set(report.faults).count == report.faults.count)
    }
}
