import ProtMemBoard
import ProtMemReport
import ProtMemSimulation
import Testing

/// A churn asked for more operations than its time holds says so; one whose time holds them
/// does every one.
@Suite struct ChurnShortfallTests {
    static func churn(operations: Int, duration: String) throws -> Scenario {
        try Scenario.parse("""
        name: storm
        duration: \(duration)
        workloads:
          - {kind: churn, processes: 2, operations: \(operations), heap: system, max_size: 8KiB}
        """)
    }

    static func operationsDone(_ report: RunReport) -> UInt64 {
        report.devices.filter { $0.name.hasPrefix("churn-") }.map(\.work).reduce(0, +)
    }

    @Test func aChurnThatFitsDoesEveryOperation() throws {
        let report = try Simulation(scenario: Self.churn(operations: 400, duration: "100ms"), configuration: .builtinDefault).run().report
        #expect(Self.operationsDone(report) == 400, "the last one at the run's end")
        #expect(report.shortfalls.isEmpty)
        #expect(!report.textSummary.contains("note:"))
    }

    @Test func aChurnThatDoesNotFitSaysSo() throws {
        let report = try Simulation(scenario: Self.churn(operations: 100_000, duration: "10ms"), configuration: .builtinDefault).run().report
        #expect(Self.operationsDone(report) == 10_000)
        #expect(report.shortfalls == [RunReport.Shortfall(workload: "workloads[0] (churn)", operationsAsked: 100_000, operationsDone: 10_000,
                                                          reason: "churn operations are at least 1us apart, so a run of 10ms holds at most 10000")])
        #expect(report.textSummary.contains("\nnote: workloads[0] (churn) did 10000 of the 100000 operations asked: churn operations are at least 1us apart, so a run of 10ms holds at most 10000"))
    }
}
