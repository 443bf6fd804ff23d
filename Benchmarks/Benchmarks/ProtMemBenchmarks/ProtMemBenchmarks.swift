#if canImport(Glibc)
import Glibc
#endif
import Benchmark
import CReferenceAllocators
import ProtMemHeaps
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

    // (d) The carve-out trace of issue 18 (1M operations, sizes 4 KiB–16 MiB, live ≤ 256 MiB,
    // 512 MiB pool) on each allocator alone, beside the C first fit of CReferenceAllocators;
    // ProtMemRatios prints their ratios. One iteration is the whole trace.
    Benchmark("pool trace 1M ops: C first fit", configuration: .init(maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
        let trace = TraceFixture.shared
        for _ in benchmark.scaledIterations {
            let pool = cref_first_fit_create(PoolTrace.carveoutRange.base.rawValue, PoolTrace.carveoutRange.size, 12)
            blackHole(cref_first_fit_replay(pool, trace.cCarveout, trace.cCarveout.count, UInt32(trace.carveout.slots)))
            cref_first_fit_destroy(pool)
        }
    }
    for kind in PoolAllocatorKind.allCases {
        Benchmark("pool trace 1M ops: \(kind.rawValue)", configuration: .init(maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
            let trace = TraceFixture.shared
            for _ in benchmark.scaledIterations {
                switch kind {
                case .firstFit:
                    var pool = GenPool()
                    try pool.add(PoolTrace.carveoutRange)
                    blackHole(trace.carveout.replay(on: &pool, base: PoolTrace.carveoutRange.base))
                case .extentTree:
                    var pool = ExtentTreeAllocator()
                    try pool.add(PoolTrace.carveoutRange)
                    blackHole(trace.carveout.replay(on: &pool, base: PoolTrace.carveoutRange.base))
                }
            }
        }
    }

    // (e) The buddy trace (1M operations, orders 0–10, live ≤ 256 MiB of 1 GiB) on
    // BuddyAllocator and on the C buddy.
    Benchmark("buddy trace 1M ops: C buddy", configuration: .init(maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
        let trace = TraceFixture.shared
        for _ in benchmark.scaledIterations {
            let buddy = cref_buddy_create(TraceFixture.managed.base.pageFrameNumber, TraceFixture.managed.pageCount)
            blackHole(cref_buddy_replay(buddy, trace.cBuddy, trace.cBuddy.count, UInt32(trace.buddy.slots)))
            cref_buddy_destroy(buddy)
        }
    }
    Benchmark("buddy trace 1M ops: BuddyAllocator", configuration: .init(maxDuration: .seconds(60), maxIterations: 5)) { benchmark in
        let trace = TraceFixture.shared
        for _ in benchmark.scaledIterations {
            var buddy = BuddyAllocator(managing: [TraceFixture.managed])
            blackHole(trace.buddy.replay(on: &buddy, base: TraceFixture.managed.base))
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

/// The traces the allocator benchmarks replay, made once (making them is not what is timed).
final class TraceFixture: Sendable {
    static let shared = TraceFixture()
    static let managed = PhysicalRange(checkedBase: 0x4000_0000, size: 1 << 30)
    let carveout = PoolTrace.carveout(seed: 0x5EED, operations: 1_000_000)
    let buddy = PoolTrace.buddy(seed: 0xB0DD1, operations: 1_000_000)
    let cCarveout: [cref_trace_op]
    let cBuddy: [cref_trace_op]

    init() {
        cCarveout = carveout.operations.map { cref_trace_op(slot: $0.slot, value: $0.value) }
        cBuddy = buddy.operations.map { cref_trace_op(slot: $0.slot, value: $0.value) }
    }
}
