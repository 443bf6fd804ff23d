import Foundation
import ProtMemBoard
import ProtMemReport
import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// Every allocation through a heap is accounted: the report's peak, the trace's heap counters
/// and buffer lifetimes, and the occupancy plot see the GPU's own buffers (firmware sections,
/// group suspend buffers, kernel memory) as they see a workload's.
@Suite struct HeapAccountingTests {
    /// mixed-gpu allocates nothing itself: every byte its heaps hold is the GPU driver's.
    @Test func mixedGPUsPeaksCoverWhatItsHeapsHold() throws {
        let result = try Simulation(scenario: try SimulationTests.scenario("mixed-gpu.yaml"), configuration: .builtinDefault).run()
        let report = result.report
        for heap in report.heaps {
            #expect(heap.peakBytes >= heap.atEndBytes, "\(heap.name): peak \(heap.peakBytes) < at end \(heap.atEndBytes)")
            #expect(heap.afterTeardownBytes == 0, "\(heap.name) keeps \(heap.afterTeardownBytes) bytes after the teardown")
        }
        #expect(report.violations.isEmpty, "\(report.violations)")
        // The firmware's 256 KiB protected section and three groups' 64 KiB protected suspend buffers.
        let carveout = try #require(report.heaps.first { $0.name == "protected-carveout" })
        #expect(carveout.peakBytes == 0x40000 + 3 * 0x10000)
        #expect(report.occupancy["protected-carveout"]?.isEmpty == false)
        // The JSON a script reads says the same.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any])
        for heap in try #require(json["heaps"] as? [[String: Any]]) {
            let peak = try #require(heap["peak_bytes"] as? UInt64), atEnd = try #require(heap["at_end_bytes"] as? UInt64)
            #expect(peak >= atEnd, "\(heap["name"] ?? "?")")
            #expect(heap["after_teardown_bytes"] as? UInt64 == 0)
        }
        // And the text a user reads: the carve-out's line shows the peak, then the same at the end.
        let line = try #require(report.textSummary.split(separator: "\n").first { $0.hasPrefix("  protected-carveout ") })
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).prefix(5) == ["protected-carveout", "448.00", "KiB", "448.00", "KiB"])
        // The trace has the heap's counter and the GPU's buffers' lifetimes.
        let trace = TraceWriter().json(result.trace)
        #expect(trace.contains("\"name\":\"protected-carveout\",\"cat\":\"heap\""))
        #expect(trace.contains("\"cat\":\"dma-buf\""))
        #expect(TraceValidation(json: trace).isValid)
    }

    /// Every shipped scenario: the peak is at least what the heap held at the end, and the
    /// teardown gives everything back.
    @Test(arguments: ["secure-playback-4k60.yaml", "secure-record-1080p30.yaml", "trusted-ui.yaml", "mixed-gpu.yaml", "churn.yaml",
                      "broken-record-into-optee-pool.yaml", "leak-bitstream-into-system-heap.yaml", "series-heap-missing-carry-on.yaml",
                      "userspace-firmware-buffer-not-protected.yaml", "render-node-client.yaml", "faults-during-playback.yaml", "multiplex.yaml"])
    func peaksCoverTheEndAndTeardownEmptiesEveryHeap(_ file: String) throws {
        let report = try Simulation(scenario: try SimulationTests.scenario(file), configuration: .builtinDefault).run().report
        for heap in report.heaps {
            #expect(heap.peakBytes >= heap.atEndBytes, "\(heap.name)")
            #expect(heap.afterTeardownBytes == 0, "\(heap.name)")
        }
        // Every heap that held anything at the end was sampled on its way there.
        for heap in report.heaps where heap.atEndBytes > 0 {
            #expect(report.occupancy[heap.name]?.last?.bytes == heap.atEndBytes, "\(heap.name)")
        }
    }

    /// churn's four processes allocate mixed sizes from the carve-out while playback holds its
    /// buffers there: when the time is up its free space is in many pieces. The report's
    /// figure (from the pool's own bitmap) matches one worked out from its pool map (from the
    /// live buffers' scatter lists): 1 − the largest hole / all the holes.
    @Test func churnFragmentsTheCarveout() throws {
        let report = try Simulation(scenario: try SimulationTests.scenario("churn.yaml"), configuration: .builtinDefault).run().report
        let carveout = try #require(report.heaps.first { $0.name == "protected-carveout" })
        let fragmentation = try #require(carveout.fragmentation)
        #expect(fragmentation > 0.1)
        #expect(report.poolName == "protected-carveout")
        let holes = report.poolMap.filter { $0.owner == nil }.map(\.size)
        #expect(holes.count > 1)
        let independent = 1 - Double(holes.max() ?? 0) / Double(holes.reduce(0, +))
        #expect(abs(fragmentation - independent) < 1e-12, "report \(fragmentation), pool map \(independent)")
        #expect(carveout.size - holes.reduce(0, +) == carveout.atEndBytes)
        // Heaps without extents to measure say so rather than 0%.
        #expect(report.heaps.first { $0.name == "system" }?.fragmentation == nil)
    }
}
