import ProtMemBoard
import ProtMemMemory
@testable import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// `protmem size`'s bisection is honest: the minimum it reports runs clean, and one page less
/// does not, pool by pool and with every pool at its minimum at once.
@Suite struct CapacitySearchTests {
    static func simulation(_ file: String, _ design: Design, _ layout: ReservedRegionLayout = .perDevice,
                           configuration: BoardConfiguration = .builtinDefault) throws -> Simulation {
        var simulation = Simulation(scenario: try SimulationTests.scenario(file), configuration: configuration, design: design)
        simulation.recordsTrace = false
        simulation.reservedRegions = layout
        return simulation
    }

    static func problem(_ simulation: Simulation, _ sizes: [String: UInt64]) -> String? {
        var run = simulation
        run.protectedSizes = sizes
        do { return CapacitySearch.problem(try run.run().report) } catch { return error.description }
    }

    @Test(arguments: [("churn.yaml", Design.heapByName, ReservedRegionLayout.perDevice),
                      ("secure-playback-4k60.yaml", .reservedRegion, .perDevice),
                      ("trusted-ui.yaml", .reservedRegion, .shared),
                      ("mixed-gpu.yaml", .reservedRegion, .perDevice),
                      ("multiplex.yaml", .heapByName, .perDevice),
                      ("multiplex.yaml", .reservedRegion, .perDevice)])
    func theMinimumRunsCleanAndOnePageLessDoesNot(_ file: String, _ design: Design, _ layout: ReservedRegionLayout) throws {
        let simulation = try Self.simulation(file, design, layout)
        let capacity = CapacitySearch(simulation).run()
        #expect(capacity.clean, "\(capacity.problem ?? "")")
        let total = try #require(capacity.minProtectedBytes, "\(capacity.minProtectedNote ?? "")")
        var minimums: [String: UInt64] = [:]
        for pool in capacity.pools {
            let minimum = try #require(pool.minBytes, "\(pool.name): \(pool.note ?? "")")
            guard minimum > 0 else {
                #expect(pool.peakBytes == 0)
                continue
            }
            minimums[pool.name] = minimum
            #expect(minimum >= pool.peakBytes && minimum <= pool.reservedBytes && minimum % pageSize == 0)
            #expect(Self.problem(simulation, [pool.name: minimum]) == nil, "\(pool.name) at its minimum \(minimum)")
            #expect(Self.problem(simulation, [pool.name: minimum - pageSize]) != nil, "\(pool.name) at one page less")
            let below = try #require(pool.belowMinimum)
            #expect(below.sizeBytes == minimum - pageSize && !below.firstFailure.isEmpty)
        }
        #expect(total == minimums.values.reduce(0, +))
        // Every pool at its minimum at once is clean too, and any one a page short is not.
        #expect(Self.problem(simulation, minimums) == nil)
        for (name, minimum) in minimums {
            var short = minimums
            short[name] = minimum - pageSize
            #expect(Self.problem(simulation, short) != nil, "\(name) a page short with the others at their minimum")
        }
    }

    @Test func churnsMinimumIsAboveItsPeakAndFragmentationSaysWhy() throws {
        let capacity = CapacitySearch(try Self.simulation("churn.yaml", .heapByName)).run()
        let pool = try #require(capacity.pools.first { $0.name == "protected-carveout" })
        let minimum = try #require(pool.minBytes)
        #expect(minimum > pool.peakBytes)
        let below = try #require(pool.belowMinimum)
        // Enough free in all, not in one piece.
        let free = try #require(below.freeBytes), largest = try #require(below.largestFreeExtentBytes)
        #expect(largest < free)
        // Churn's processes peak at different moments: a region for each would need more than
        // the shared pool's bisected minimum.
        #expect(capacity.perDeviceRegionsAtLeastBytes > minimum, "\(capacity.perDeviceRegionsAtLeastBytes) against \(minimum)")
        #expect(capacity.perDeviceRegionsAtLeastBytes == pool.devicePeaks.reduce(0) { $0 + $1.peakBytes })
    }

    @Test func thePerDevicePartitionSizesTheGPUsRegionOnItsOwn() throws {
        let capacity = CapacitySearch(try Self.simulation("secure-playback-4k60.yaml", .reservedRegion)).run()
        let region = try #require(capacity.pools.first { $0.kind == .gpuMemoryRegion })
        #expect(region.devices == ["gpu"] && region.peakBytes > 0 && region.minBytes == region.peakBytes)
        let shared = CapacitySearch(try Self.simulation("secure-playback-4k60.yaml", .reservedRegion, .shared)).run()
        #expect(!shared.pools.contains { $0.kind == .gpuMemoryRegion })
        #expect(capacity.reservedProtectedBytes == shared.reservedProtectedBytes + region.reservedBytes)
    }

    /// Per device: whose buffers they are, measured. Playback's buffers all live from the start,
    /// so the devices' peaks add up to the pool's; under the per-device partition the GPU's own
    /// are in its region and the carve-out holds the codec's and the display's alone.
    @Test func eachDevicesPeakIsMeasuredPerPool() throws {
        let shared = try Self.simulation("secure-playback-4k60.yaml", .heapByName).run()
        let carveout = try #require(shared.pools.first { $0.pool.name == "protected-carveout" })
        #expect(carveout.devices == ["codec", "display", "gpu"])
        #expect(carveout.devicePeaks.reduce(0) { $0 + $1.peakBytes } == carveout.peakBytes)
        let partitioned = try Self.simulation("secure-playback-4k60.yaml", .reservedRegion).run()
        let media = try #require(partitioned.pools.first { $0.pool.name == "protected-carveout" })
        let region = try #require(partitioned.pools.first { $0.pool.kind == .gpuMemoryRegion })
        #expect(media.devices == ["codec", "display"] && region.devices == ["gpu"])
        #expect(carveout.devicePeaks.first { $0.device == "gpu" }?.peakBytes == region.peakBytes)
        #expect(media.peakBytes + region.peakBytes == carveout.peakBytes)
    }

    /// A search makes runs that fail when a workload starts (the GPU's region a page short of
    /// a group's suspend buffer, after the churn has started its processes): such a run lets go
    /// of its board, its GPU and its processes as a run that ran does.
    @Test func aRunWhoseWorkloadCannotStartLetsGoOfItsBoard() throws {
        var simulation = try Self.simulation("churn.yaml", .reservedRegion)
        let region = try #require(try simulation.run().pools.first { $0.pool.kind == .gpuMemoryRegion })
        simulation.protectedSizes = [region.pool.name: region.peakBytes - pageSize]
        var watch = BoardReleaseWatch()
        #expect(throws: SimulationError.self) { _ = try simulation.run(progress: nil) { watch.watch($0) } }
        watch.expectReleased()
    }

    @Test func lentPoolsReserveNothingAndAreNotSized() throws {
        for configuration in [BoardConfiguration.builtinOPTEEDynamic, .builtinHypervisor] {
            let lent = try #require(configuration.protectedPools.first { $0.kind == .opteeDynamicPool || $0.kind == .hypervisorLend })
            #expect(lent.reservedBytes == 0 && lent.fixedBecause != nil)
            #expect(throws: SimulationError.self) { try configuration.resizingProtectedPools([lent.name: pageSize]) }
        }
        let capacity = CapacitySearch(try Self.simulation("trusted-ui.yaml", .heapByName, configuration: .builtinOPTEEDynamic)).run()
        let dynamic = try #require(capacity.pools.first { $0.kind == .opteeDynamicPool })
        #expect(dynamic.reservedBytes == 0 && dynamic.minBytes == nil && dynamic.note != nil)
    }

    @Test func badSizesAreRefusedNamingThePool() throws {
        let board = BoardConfiguration.builtinDefault
        for (sizes, words) in [(["nope": pageSize], "no protected pool \"nope\""), (["protected-carveout": 100], "4 KiB pages"),
                               (["protected-carveout": 256 << 20], "up to its 134217728"), (["protected-carveout": 0], "non-zero")] {
            do {
                _ = try board.resizingProtectedPools(sizes)
                Issue.record("\(sizes) accepted")
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
        let resized = try board.resizingProtectedPools(["protected-carveout": 8 << 20])
        #expect(resized.carveouts[0].range.size == 8 << 20 && resized.carveouts[0].range.base == board.carveouts[0].range.base)
        #expect(board.carveouts[0].range.size == 128 << 20)
    }
}
