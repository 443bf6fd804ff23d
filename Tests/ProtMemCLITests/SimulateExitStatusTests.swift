import Foundation
import ProtMemTestSupport
import Testing

/// `protmem simulate`'s exit status follows the scenario's `expect:` (by default: no
/// violation, any faults): 0 when the run met it, 3 when its violations are not as expected,
/// 4 when they are and its faults are not.
@Suite struct SimulateExitStatusTests {
    static let examples = BoardBlobs.packageRoot.appendingPathComponent("Examples/scenarios")

    /// `scenario` with its `expect:` replaced, in a file of its own.
    static func withExpectation(_ scenario: String, _ expect: String, _ body: (String) throws -> Void) throws {
        let text = try String(contentsOf: examples.appendingPathComponent(scenario), encoding: .utf8)
        let kept = text.components(separatedBy: "\nexpect:")[0]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-expect-\(ProcessInfo.processInfo.processIdentifier)-\(scenario)")
        try (kept + "\n" + expect + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try body(file.path)
    }

    @Test func theBrokenScenarioMeetsItsExpectationAndExitsZero() throws {
        let result = try runProtMem(["simulate", "--scenario", Self.examples.appendingPathComponent("broken-record-into-optee-pool.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\nfaults: 7\n"))
        #expect(result.stdout.contains("\nexpected: faults 7, violations 0: met"))
    }

    @Test func faultsOtherThanExpectedExitFour() throws {
        try Self.withExpectation("broken-record-into-optee-pool.yaml", "expect: {faults: 6}") { path in
            let result = try runProtMem(["simulate", "--scenario", path])
            #expect(result.status == 4, "\(result.stderr)")
            #expect(result.stdout.contains("expected: faults 6, violations 0: not met (7 faults)"))
            let json = try runProtMem(["simulate", "--scenario", path, "--json"])
            #expect(json.status == 4)
            #expect(json.stdout.contains("\"faults_met\" : false") && json.stdout.contains("\"violations_met\" : true"))
        }
        // Without expect:, faults alone leave the status at 0.
        try Self.withExpectation("broken-record-into-optee-pool.yaml", "") { path in
            let result = try runProtMem(["simulate", "--scenario", path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("expected (no expect: in the scenario): faults any, violations 0: met"))
        }
    }

    @Test func aMissingExpectedViolationExitsThree() throws {
        try Self.withExpectation("mixed-gpu.yaml", "expect: {violations: {at_least: 1}}") { path in
            let result = try runProtMem(["simulate", "--scenario", path])
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stdout.contains("not met (0 violations)"))
        }
    }

    /// The shipped leak: one violation, shown once, and exit 3.
    @Test func theLeakScenarioExitsThreeWithItsViolationOnce() throws {
        let path = Self.examples.appendingPathComponent("leak-bitstream-into-system-heap.yaml").path
        let result = try runProtMem(["simulate", "--scenario", path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.contains("\ninvariant violations: 1\n  leak: codec (non-secure, nsaid 3) wrote protected content #1 into unprotected memory"))
        #expect(result.stdout.components(separatedBy: "wrote protected content").count == 2)
        #expect(result.stdout.hasSuffix("expected: faults 0, violations 0: not met (1 violation)\n"))
        #expect(try runProtMem(["simulate", "--scenario", path, "--check-every-event", "--json"]).status == 3)
    }
}
