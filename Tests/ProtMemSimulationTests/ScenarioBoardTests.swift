import Foundation
import ProtMemBoard
import ProtMemHeaps
import ProtMemSimulation
import Testing

/// What is wrong only once a scenario meets its board is reported as the scenario's error,
/// at the field, with what the board has.
@Suite struct ScenarioBoardTests {
    static let yaml = """
    name: misspelt
    duration: 10ms
    workloads:
      - kind: trusted-ui
        resolution: 640x480
        frame_rate: 30
      - kind: churn
        processes: 1
        operations: 10
        heap: no-such-heap
        max_size: 4KiB
    """

    @Test func aHeapTheBoardLacksIsTheFieldsError() throws {
        let scenario = try Scenario.parse(Self.yaml, file: "m.yaml")
        #expect(throws: SimulationError(#"board protmem-default has no heap "no-such-heap"; its heaps are "system", "linux,cma", "protected-carveout", "protected,secure-video""#,
                                        field: ["workloads", "1", "heap"])) {
            try Simulation(scenario: scenario, configuration: .builtinDefault).run()
        }
    }

    @Test func locateFindsTheFieldInTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("locate-\(UUID().uuidString).yaml").path
        try Self.yaml.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(Scenario.locate(["workloads", "1", "heap"], inFile: path, message: "m").description == "\(path):10:11: error: workloads[1].heap: m")
        #expect(Scenario.locate(["workloads", "7", "heap"], inFile: path, message: "m").description == "\(path): workloads[7].heap: m")
        #expect(Scenario.locate(["name"], inFile: "/nonexistent.yaml", message: "m").description == "/nonexistent.yaml: name: m")
    }
}

/// `allocators:` puts a carve-out heap on the allocator it names; the run is the same.
@Suite struct ScenarioAllocatorTests {
    static let yaml = """
    name: churn on the carve-out
    duration: 200ms
    allocators:
      protected-carveout: extent-tree
    workloads:
      - kind: churn
        processes: 2
        operations: 2000
        heap: protected-carveout
        max_size: 8MiB
    """

    @Test func theScenarioChoosesTheAllocatorAndTheRunIsTheSame() throws {
        let scenario = try Scenario.parse(Self.yaml, file: "a.yaml")
        #expect(scenario.allocators == ["protected-carveout": .extentTree])
        var plain = scenario
        plain.allocators = [:]
        var chosen: [PoolAllocatorKind] = []
        let tree = try Simulation(scenario: scenario, configuration: .builtinDefault).run(progress: nil) { board in
            chosen = board.carveoutHeaps.map(\.allocator)
        }
        #expect(chosen == [.extentTree])
        let firstFit = try Simulation(scenario: plain, configuration: .builtinDefault).run()
        #expect(tree.report == firstFit.report)
        #expect(tree.report.violations.isEmpty)
    }

    @Test func anUnknownAllocatorOrHeapIsTheFieldsError() throws {
        let bad = Self.yaml.replacingOccurrences(of: "extent-tree", with: "tlsf")
        #expect { _ = try Scenario.parse(bad, file: "a.yaml") } throws: { error in
            "\(error)" == #"a.yaml:4:23: error: allocators.protected-carveout: unknown allocator "tlsf"; expected one of first-fit, extent-tree"#
        }
        let other = try Scenario.parse(Self.yaml.replacingOccurrences(of: "  protected-carveout: extent", with: "  linux,cma: extent"), file: "a.yaml")
        #expect(throws: SimulationError(#"board protmem-default has no carve-out heap "linux,cma" to choose an allocator for; its carve-out heaps are "protected-carveout""#,
                                        field: ["allocators", "linux,cma"])) {
            try Simulation(scenario: other, configuration: .builtinDefault).run()
        }
    }
}
