import Foundation
import ProtMemPanthor
import ProtMemReport
import ProtMemSimulation
import Testing

/// `protm_scheduling` picks how the driver enters protected mode, and a run shows what each
/// choice did: the shipped mixed-GPU scenario (two protected groups and normal work) under the
/// RFC, patch 7 as posted and patch 7 as reviewed.
@Suite struct ProtectedModeSchedulingRunTests {
    static func scenario(_ scheduling: String?) throws -> Scenario {
        try Scenario.parse("""
        name: protm-scheduling
        duration: 200ms
        \(scheduling.map { "protm_scheduling: \($0)" } ?? "")
        workloads:
          - kind: mixed-gpu
            groups:
              - {priority: 15, protected: true, jobs: 10, job_duration: 2ms}
              - {priority: 3, protected: false, jobs: 40, job_duration: 500us}
        """)
    }

    static func run(_ scheduling: String?) throws -> RunReport {
        try Simulation(scenario: try scenario(scheduling), configuration: .builtinDefault).run().report
    }

    @Test func theDefaultIsTheRFC() throws {
        #expect(try Self.scenario(nil).protectedModeScheduling == .rfc)
        let report = try Self.run(nil)
        #expect(report.protectedMode.scheduling == "rfc")
        #expect(report.protectedMode.entries > 0)
        #expect(report.textSummary.contains("GLB_PROTM_ENTER requests, scheduled as rfc"))
    }

    /// As posted, the tick asks for protected mode whenever it schedules a runnable top group,
    /// protected work or not; the RFC and the review ask only for protected work. Every choice
    /// still finishes the protected jobs without a violation.
    @Test func patch7AsPostedAsksMoreOftenThanItsReview() throws {
        let rfc = try Self.run("rfc"), posted = try Self.run("series-v1"), reviewed = try Self.run("series-v1-reviewed")
        #expect(posted.protectedMode.scheduling == "series-v1" && reviewed.protectedMode.scheduling == "series-v1-reviewed")
        #expect(posted.protectedMode.enterRequests > reviewed.protectedMode.enterRequests,
                "posted \(posted.protectedMode.enterRequests), reviewed \(reviewed.protectedMode.enterRequests)")
        #expect(posted.protectedMode.entries >= reviewed.protectedMode.entries)
        for report in [rfc, posted, reviewed] {
            #expect(report.violations.isEmpty)
            #expect(report.protectedMode.entries > 0)
        }
        // The reviewed patch asks only for protected work, as the RFC does.
        #expect(reviewed.protectedMode.enterRequests <= rfc.protectedMode.enterRequests + 1)
    }

    @Test func anUnknownChoiceNamesTheThree() {
        #expect {
            _ = try Self.scenario("series-v2")
        } throws: { "\($0)".contains("unknown protected-mode scheduling \"series-v2\"; expected one of rfc, series-v1, series-v1-reviewed") }
    }
}
