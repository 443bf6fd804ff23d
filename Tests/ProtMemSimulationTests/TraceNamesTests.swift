import Foundation
import ProtMemReport
import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// A run's trace names what Perfetto draws: every process an event uses (`process_name`),
/// every thread (`thread_name`), and on the GPU a thread per group queue named for its group.
@Suite struct TraceNamesTests {
    struct Names {
        var processes: [Int: String] = [:]
        var threads: [[Int]: String] = [:]
        /// The (pid, tid) of every event but the metadata.
        var used: Set<[Int]> = []
        var events: [[String: Any]] = []
    }

    static func names(_ file: String) throws -> Names {
        let result = try Simulation(scenario: try SimulationTests.scenario(file), configuration: .builtinDefault).run()
        let json = TraceWriter().json(result.trace)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        var names = Names()
        names.events = try #require(top["traceEvents"] as? [[String: Any]])
        var metadataDone = false
        for event in names.events {
            let pid = (event["pid"] as? Int) ?? -1, tid = (event["tid"] as? Int) ?? -1
            let name = (event["args"] as? [String: Any])?["name"] as? String
            switch (event["ph"] as? String, event["name"] as? String) {
            case ("M", "process_name"):
                #expect(!metadataDone && names.processes[pid] == nil, "process \(pid) named late or twice")
                names.processes[pid] = name
            case ("M", "thread_name"):
                #expect(!metadataDone && names.threads[[pid, tid]] == nil, "thread \(pid)/\(tid) named late or twice")
                names.threads[[pid, tid]] = name
            default:
                metadataDone = true
                names.used.insert([pid, tid])
            }
        }
        return names
    }

    @Test(arguments: ["mixed-gpu.yaml", "churn.yaml", "secure-playback-4k60.yaml", "broken-record-into-optee-pool.yaml"])
    func everyProcessAndThreadUsedIsNamed(_ file: String) throws {
        let names = try Self.names(file)
        #expect(!names.used.isEmpty)
        for key in names.used.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            #expect(names.processes[key[0]]?.isEmpty == false, "pid \(key[0]) has no process_name")
            #expect(names.threads[key]?.isEmpty == false, "pid \(key[0]) tid \(key[1]) has no thread_name")
        }
        // Names only what is used.
        #expect(Set(names.threads.keys) == names.used)
    }

    @Test func gpuGroupsAndQueuesHaveTheirOwnThreads() throws {
        let names = try Self.names("mixed-gpu.yaml")
        let gpu = try #require(names.processes.first { $0.value == "gpu" }?.key)
        let threads = names.threads.filter { $0.key[0] == gpu }.sorted { $0.key[1] < $1.key[1] }.map(\.value)
        #expect(threads == ["protected mode, resets", "group 1 (protected), queue 0", "group 2 (protected), queue 0", "group 3, queue 0"])
        // Each job on its own group's queue's thread, each protected-mode period on thread 0.
        var jobs = 0
        for event in names.events where (event["pid"] as? Int) == gpu && event["ph"] as? String == "X" {
            let name = try #require(event["name"] as? String), tid = try #require(event["tid"] as? Int)
            let thread = try #require(names.threads[[gpu, tid]])
            if name.hasPrefix("job ") {
                let parts = name.dropFirst(4).split(separator: ".")
                #expect(thread.hasPrefix("group \(parts[0])") && thread.hasSuffix(", queue \(parts[1])"), "\(name) on \(thread)")
                #expect(thread.contains("(protected)") == (event["cat"] as? String == "gpu-protected"), "\(name) on \(thread)")
                jobs += 1
            } else {
                #expect(name == "protected mode" && tid == 0)
            }
        }
        #expect(jobs == 70)
    }
}
