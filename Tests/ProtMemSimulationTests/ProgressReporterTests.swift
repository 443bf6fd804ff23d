import ProtMemSimulation
import Testing

/// The bar counts simulated seconds and estimates the wall time left from the rate so far.
@Suite struct ProgressReporterTests {
    @Test func theLineShowsSimulatedSecondsAndTheTimeLeft() {
        #expect(ProgressReporter.line(virtualTime: 840_000_000, total: 2_000_000_000, wallElapsed: 2.1)
            == "[################------------------------] 42%  0.840 / 2.000 s simulated, about 3 s left")
        #expect(ProgressReporter.line(virtualTime: 0, total: 10_000_000_000, wallElapsed: 1.5)
            == "[----------------------------------------] 0%  0.000 / 10.000 s simulated, estimating the time left")
        #expect(ProgressReporter.line(virtualTime: 1_000_000_000, total: 100_000_000_000, wallElapsed: 5)
            .hasSuffix("1%  1.000 / 100.000 s simulated, about 8 min 15 s left"))
        #expect(ProgressReporter.line(virtualTime: 10_000_000, total: 100_000_000_000, wallElapsed: 2)
            .hasSuffix("0%  0.010 / 100.000 s simulated, about 5 h 33 min left"))
        #expect(ProgressReporter.line(virtualTime: 3_000_000_000, total: 2_000_000_000, wallElapsed: 4)
            == "[########################################] 100%  2.000 / 2.000 s simulated, about 0 s left")
    }
}
