import Foundation
import ProtMemBoard
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
