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
        ("duration: 2s\nworkloads: []\n", "<s>:1:1: name: is required but missing"),
        (valid.replacingOccurrences(of: "frame_rate: 60", with: "frame_rat: 60"), "a.yaml:9:5: workloads[0].frame_rat: unknown field"),
        (valid.replacingOccurrences(of: "3840x2160", with: "4k"), "a.yaml:8:17: workloads[0].resolution: expected WIDTHxHEIGHT"),
        (valid.replacingOccurrences(of: "duration: 2s", with: "duration: 2 fortnights"), "a.yaml:5:11: duration: expected a duration"),
        (valid.replacingOccurrences(of: "kind: churn", with: "kind: stampede"), "a.yaml:15:11: workloads[2].kind: unknown workload kind \"stampede\""),
        (valid.replacingOccurrences(of: "priority: 15", with: "priority: 16"), "a.yaml:13:20: workloads[1].groups[0].priority: must be 0…15"),
        (valid.replacingOccurrences(of: "buffers: 4", with: "buffers: many"), "a.yaml:10:14: workloads[0].buffers: expected a whole number"),
        (valid.replacingOccurrences(of: "design: heap-by-name", with: "design: magic"), "a.yaml:4:9: design:"),
        ("name: [unclosed\n", "<s>:2:1: YAML syntax:"),
    ])
    func errorsNameFileLineAndField(_ text: String, _ expected: String) {
        let file = expected.hasPrefix("<s>") ? "<s>" : "a.yaml"
        do {
            _ = try Scenario.parse(text, file: file)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }
}
