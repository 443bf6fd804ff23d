import ProtMemReport
import ProtMemSimulation
import Testing

@Suite struct ScenarioLoadingTests {
    static let valid = """
    name: secure-playback-4k
    seed: 7
    board: builtin
    design: heap-by-name
    duration: 2s
    workloads:
      - kind: secure-playback
        resolution: 3840x2160
        frame_rate: 60
        buffers: 4
      - kind: mixed-gpu
        groups:
          - {priority: 15, protected: true, jobs: 10, job_duration: 2ms}
          - {priority: 3, protected: false, jobs: 20, job_duration: 500us}
      - kind: churn
        processes: 2
        operations: 1000
        heap: system
        max_size: 4MiB
    """

    @Test func readsEveryField() throws {
        let scenario = try Scenario.parse(Self.valid, file: "a.yaml")
        #expect(scenario.name == "secure-playback-4k" && scenario.seed == 7 && scenario.design == .heapByName)
        #expect(scenario.duration.nanoseconds == 2_000_000_000)
        #expect(scenario.workloads.count == 3)
        guard case .securePlayback(let stream) = scenario.workloads[0] else { Issue.record("not playback"); return }
        #expect(stream.resolution == Resolution(width: 3840, height: 2160) && stream.frameRate == 60 && stream.buffers == 4)
        #expect(stream.resolution.nv12FrameBytes == 12_443_648)
        guard case .mixedGPU(let gpu) = scenario.workloads[1] else { Issue.record("not mixed"); return }
        #expect(gpu.groups[1].jobDuration.nanoseconds == 500_000)
        guard case .churn(let churn) = scenario.workloads[2] else { Issue.record("not churn"); return }
        #expect(churn.maximumSize.bytes == 4 << 20)
    }

    @Test(arguments: [
        ("duration: 2s\nworkloads: []\n", "<s>:1:1: error: name: is required but missing"),
        (valid.replacingOccurrences(of: "frame_rate: 60", with: "frame_rat: 60"), "a.yaml:9:5: error: workloads[0].frame_rat: unknown field"),
        (valid.replacingOccurrences(of: "3840x2160", with: "4k"), "a.yaml:8:17: error: workloads[0].resolution: expected WIDTHxHEIGHT"),
        (valid.replacingOccurrences(of: "duration: 2s", with: "duration: 2 fortnights"), "a.yaml:5:11: error: duration: expected a duration"),
        (valid.replacingOccurrences(of: "kind: churn", with: "kind: stampede"), "a.yaml:15:11: error: workloads[2].kind: unknown workload kind \"stampede\""),
        (valid.replacingOccurrences(of: "priority: 15", with: "priority: 16"), "a.yaml:13:20: error: workloads[1].groups[0].priority: must be 0…15"),
        (valid.replacingOccurrences(of: "buffers: 4", with: "buffers: many"), "a.yaml:10:14: error: workloads[0].buffers: expected a whole number"),
        (valid.replacingOccurrences(of: "design: heap-by-name", with: "design: magic"), "a.yaml:4:9: error: design: unknown design \"magic\"; expected one of heap-by-name, reserved-region, heap-device, userspace"),
        ("name: [unclosed\n", "<s>:2:1: error: YAML syntax:"),
        (valid.replacingOccurrences(of: "buffers: 4", with: "buffers: 4\n    bitstream_heap: system"), "a.yaml:11:5: error: workloads[0].bitstream_heap: unknown field"),
    ])
    func errorsNameFileLineAndField(_ text: String, _ expected: String) {
        Self.expectRefusal(text, expected)
    }

    static func expectRefusal(_ text: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let file = expected.hasPrefix("<s>") ? "<s>" : "a.yaml"
        do {
            _ = try Scenario.parse(text, file: file)
            Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)", sourceLocation: sourceLocation)
        }
    }

    /// Sizes that would grow the run without bound are refused where they are written, with
    /// the limit they break (the kernel's where it has one).
    @Test(arguments: [
        (valid.replacingOccurrences(of: "processes: 2", with: "processes: 4294967295"),
         "a.yaml:16:16: error: workloads[2].processes: must be at most 32767 in all: pids run below pid_max, 32768 by default (PID_MAX_DEFAULT)"),
        (valid.replacingOccurrences(of: "jobs: 20", with: "jobs: 4294967295"),
         "a.yaml:14:47: error: workloads[1].groups[1].jobs: brings the scenario's GPU jobs to 4294967305, more than the 1048576 the model queues"),
        (valid.replacingOccurrences(of: "duration: 2s", with: "duration: 1e10s"),
         "a.yaml:5:11: error: duration: must be at most 9223372036854775807ns (KTIME_MAX: the kernel's ktime_t holds about 292 years)"),
        (valid.replacingOccurrences(of: "job_duration: 2ms", with: "job_duration: 9223372037s"),
         "a.yaml:13:65: error: workloads[1].groups[0].job_duration: must be at most 9223372036854775807ns (KTIME_MAX"),
    ])
    func hostileSizesAreRefusedWithTheirLimit(_ text: String, _ expected: String) {
        Self.expectRefusal(text, expected)
    }

    @Test func limitsCountEveryWorkloadTogether() throws {
        // Processes of two churn workloads, up to pid_max - 1 and one past it.
        let churn = { (count: Int) in "  - {kind: churn, processes: \(count), operations: 1, heap: system, max_size: 4KiB}\n" }
        let twoChurns = "name: n\nduration: 1s\nworkloads:\n" + churn(16384) + churn(16383)
        #expect(throws: Never.self) { try Scenario.parse(twoChurns) }
        Self.expectRefusal(twoChurns.replacingOccurrences(of: "16383", with: "16384"),
                           "a.yaml:5:30: error: workloads[1].processes: must be at most 32767 in all (the scenario's processes come to 32768): pids run below pid_max")
        // Jobs of every group, up to 2^20.
        let group = "      - {priority: 1, protected: false, jobs: 524288, job_duration: 1us}\n"
        let jobs = "name: n\nduration: 1s\nworkloads:\n  - kind: mixed-gpu\n    groups:\n" + group + group
        #expect(throws: Never.self) { try Scenario.parse(jobs) }
        Self.expectRefusal(jobs + group, "a.yaml:8:47: error: workloads[0].groups[2].jobs: brings the scenario's GPU jobs to 1572864")
        // Groups of one workload: panthor's MAX_GROUPS_PER_POOL.
        let groups = "name: n\nduration: 1s\nworkloads:\n  - kind: mixed-gpu\n    groups:\n" + String(repeating: "      - {priority: 1, protected: false, jobs: 1, job_duration: 1us}\n", count: 129)
        Self.expectRefusal(groups, "a.yaml:6:7: error: workloads[0].groups: has 129 groups; panthor lets one file create at most 128 (MAX_GROUPS_PER_POOL)")
        // The longest time ktime_t holds is still a duration.
        #expect(try Scenario.parse(Self.valid.replacingOccurrences(of: "duration: 2s", with: "duration: 9223372036s")).duration.nanoseconds == 9_223_372_036_000_000_000)
    }

    /// `expect:` states what the run should report: a count or a range for each, with no
    /// violation and any number of faults unless said.
    @Test func readsWhatAScenarioExpects() throws {
        let base = "name: n\nduration: 1s\nworkloads:\n  - {kind: churn, processes: 1, operations: 1, heap: system, max_size: 4KiB}\n"
        #expect(try Scenario.parse(base).expect == nil)
        let exact = try #require(try Scenario.parse(base + "expect: {faults: 7, violations: 0}\n").expect)
        #expect(exact.faults == .exactly(7) && exact.violations == .exactly(0))
        let ranges = try #require(try Scenario.parse(base + "expect:\n  faults: {at_least: 1}\n  violations: {at_least: 1, at_most: 3}\n").expect)
        #expect(ranges.faults == ExpectedCount(atLeast: 1, atMost: nil) && ranges.violations == ExpectedCount(atLeast: 1, atMost: 3))
        #expect(ranges.faults?.contains(100) == true && ranges.violations.contains(4) == false && ranges.violations.contains(0) == false)
        // Faults alone: violations stay expected at none.
        let faultsOnly = try #require(try Scenario.parse(base + "expect: {faults: {at_most: 2}}\n").expect)
        #expect(faultsOnly.violations == .exactly(0) && faultsOnly.faults?.description == "at most 2")
    }

    @Test(arguments: [
        ("expect: {faults: lots}\n", "a.yaml:5:18: error: expect.faults: expected a whole number, or a mapping with at_least and/or at_most"),
        ("expect: {fault: 3}\n", "a.yaml:5:10: error: expect.fault: unknown field; expected one of faults, violations"),
        ("expect:\n  faults: {at_leest: 3}\n", "a.yaml:6:12: error: expect.faults.at_leest: unknown field; expected one of at_least, at_most"),
        ("expect:\n  violations: {at_least: 5, at_most: 3}\n", "a.yaml:6:15: error: expect.violations: at_least 5 is more than at_most 3"),
        ("expect:\n  violations: {at_least: -1}\n", "a.yaml:6:26: error: expect.violations.at_least: expected a whole number"),
        ("expect: 3\n", "a.yaml:5:9: error: expect: expected a"),
    ])
    func aBadExpectationNamesFileLineAndField(_ tail: String, _ expected: String) {
        let base = "name: n\nduration: 1s\nworkloads:\n  - {kind: churn, processes: 1, operations: 1, heap: system, max_size: 4KiB}\n"
        Self.expectRefusal(base + tail, expected)
    }
}
