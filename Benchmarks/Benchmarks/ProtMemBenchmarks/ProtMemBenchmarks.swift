#if canImport(Glibc)
import Glibc
#endif
import Benchmark
import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemReport
import ProtMemSimulation

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 1)

    // (a) 1,000,000 random allocations and frees on the protected carve-out heap, through the
    // heap framework (checks, export, release, secure scrub, gen_pool). One iteration is the
    // whole trace; throughput is traces per second.
    Benchmark("carveout trace 1M ops", configuration: .init(maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
        let board = try Board.builtinDefault()
        let heap = board.heaps.find("protected-carveout")!
        let trace = AllocationTrace(seed: 0x5EED, operations: 1_000_000)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try trace.replay(on: board.heaps, heap: heap))
        }
        benchmark.stopMeasurement()
        board.heaps.put(heap)
    }

    // (b) A 4 MiB DMA copy through the bus (decode + TZC-400 checks on both ranges) beside a
    // raw memcpy of the same size, in the same run. Both run over memory already touched, so
    // neither pays page faults.
    // The harness calls a closure once per sample, so the memory both copies use is set up once
    // here and reused: every sample copies between the same warm pages, as a driver's DMA would.
    Benchmark("checked copy 4 MiB", configuration: .init(maxDuration: .seconds(10), maxIterations: 2_000)) { benchmark in
        for _ in benchmark.scaledIterations {
            try CopyFixture.shared.board.bus.copy(.codec, from: CopyFixture.source, to: CopyFixture.destination, count: UInt64(CopyFixture.size))
        }
    }

    // (c) 60 s of 4K60 secure playback with GPU composition in protected mode, on the built-in
    // board: simulated seconds per wall second is 60 / this benchmark's time per iteration.
    Benchmark("simulate 60 s 4K60 playback", configuration: .init(maxDuration: .seconds(60), maxIterations: 10)) { benchmark in
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 60_000_000_000)
        let simulation = Simulation(scenario: scenario, configuration: .builtinDefault)
        for _ in benchmark.scaledIterations {
            blackHole(try simulation.run())
        }
    }

    // The same run with its Perfetto trace built and serialised, as `--trace FILE` does: the
    // report alone (above) never builds the trace.
    Benchmark("simulate 60 s 4K60 playback + trace", configuration: .init(maxDuration: .seconds(60), maxIterations: 10)) { benchmark in
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 60_000_000_000)
        let simulation = Simulation(scenario: scenario, configuration: .builtinDefault)
        for _ in benchmark.scaledIterations {
            let result = try simulation.run()
            blackHole(TraceWriter().json(result.trace))
        }
    }

    Benchmark("raw memcpy 4 MiB", configuration: .init(maxDuration: .seconds(10), maxIterations: 2_000)) { benchmark in
        for _ in benchmark.scaledIterations {
            memcpy(CopyFixture.shared.rawDestination, CopyFixture.shared.rawSource, CopyFixture.size)
            blackHole(CopyFixture.shared.rawDestination)
        }
    }
}

/// The memory both copy benchmarks use, laid out alike so that only the bus's work differs: two
/// 4 MiB ranges of the default board's RAM 256 MiB apart, and two 4 MiB ranges 256 MiB apart in
/// one anonymous host mapping, all touched before the first sample. (The distance matters on
/// its own: on the development machine both copies run about 12% faster between adjacent
/// ranges than between ranges 256 MiB apart, so comparing unlike layouts would measure the
/// host's TLB, not the model.)
final class CopyFixture: @unchecked Sendable {
    static let size = 4 << 20
    static let source = PhysicalAddress(0x4000_0000)
    static let destination = PhysicalAddress(0x5000_0000)
    static let shared = CopyFixture()

    let board: Board
    let rawSource: UnsafeMutableRawPointer
    let rawDestination: UnsafeMutableRawPointer

    private init() {
        board = try! Board.builtinDefault()
        try! board.bus.fill(.cpuNonSecure, PhysicalRange(base: Self.source, size: UInt64(Self.size))!, with: 0x5A)
        try! board.bus.fill(.cpuNonSecure, PhysicalRange(base: Self.destination, size: UInt64(Self.size))!, with: 0xA5)
        let distance = Int(Self.destination.rawValue - Self.source.rawValue)
        let mapping = mmap(nil, distance + Self.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)!
        rawSource = mapping
        rawDestination = mapping + distance
        memset(rawSource, 0x5A, Self.size)
        memset(rawDestination, 0xA5, Self.size)
    }
}
