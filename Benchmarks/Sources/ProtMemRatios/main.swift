// Prints, in one run, each ratio of issue 18's goals that the allocators give, every figure
// beside its reference measured in the same process: the C first fit and C buddy of
// Sources/CReferenceAllocators, and the allocator alone under the heap framework.
//
//     cd Benchmarks && swift run -c release ProtMemRatios [--quick]
//
// Each figure is the best of a few runs (the least disturbed by the other processes of a
// shared machine). `--quick` runs shorter traces (a smoke test, not a measurement).
#if canImport(Glibc)
import Glibc
#endif
import CReferenceAllocators
import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld

let quick = CommandLine.arguments.contains("--quick")
let traceOperations = quick ? 50_000 : 1_000_000
let repeats = quick ? 1 : 5

/// The best of `repeats` runs of `body`, in nanoseconds.
func best(_ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<repeats {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        fastest = min(fastest, nanoseconds)
    }
    return fastest
}

/// The best of `repeats` runs of each of `bodies`, in nanoseconds, run in turn (one of each,
/// then again), so a burst of load from another process on a shared machine hits them alike.
func bestInTurn(_ bodies: [() throws -> Void]) throws -> [Double] {
    var fastest = [Double](repeating: .infinity, count: bodies.count)
    for _ in 0..<repeats {
        for (index, body) in bodies.enumerated() {
            fastest[index] = min(fastest[index], try once(body))
        }
    }
    return fastest
}

/// One run of `body`, in nanoseconds.
func once(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
}

func row(_ figure: String, _ value: Double, _ reference: String, _ referenceValue: Double, goal: String) {
    let ratio = value / referenceValue
    print("\(figure.padding(54)) \(format(value, 8)) ÷ \(reference.padding(26)) \(format(referenceValue, 8)) = \(format(ratio, 6, digits: 3))   goal \(goal)")
}

func format(_ value: Double, _ width: Int, digits: Int = 1) -> String {
    var scaled = (value * pow10(digits)).rounded() / pow10(digits)
    if scaled == -0 { scaled = 0 }
    var text = "\(scaled)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    } else {
        text += "." + String(repeating: "0", count: digits)
    }
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

func pow10(_ digits: Int) -> Double { (0..<digits).reduce(1.0) { value, _ in value * 10 } }

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

func cOperations(_ trace: PoolTrace) -> [cref_trace_op] { trace.operations.map { cref_trace_op(slot: $0.slot, value: $0.value) } }

/// Fails the run when two allocators that should agree do not: a ratio of different work
/// would mean nothing.
func require(_ condition: Bool, _ message: String) {
    if !condition {
        print("error: \(message)")
        exit(1)
    }
}

let pool = PoolTrace.carveoutRange

// MARK: The carve-out trace on the allocators alone

print("ProtMem ratios (issue 18), \(traceOperations) operations a trace, best of \(repeats), each figure and its reference run in turn")
print("")
let trace = PoolTrace.carveout(seed: 0x5EED, operations: traceOperations)
let cTrace = cOperations(trace)
let opCount = Double(trace.operations.count)

var cOutcome = cref_replay_outcome()
var genPoolOutcome = PoolTrace.Outcome()
var treeOutcome = PoolTrace.Outcome()
let traceTimes = try bestInTurn([
    {
        let c = cref_first_fit_create(pool.base.rawValue, pool.size, UInt32(pageShift))
        cOutcome = cref_first_fit_replay(c, cTrace, cTrace.count, UInt32(trace.slots))
        cref_first_fit_destroy(c)
    },
    {
        var allocator = GenPool()
        try allocator.add(pool)
        genPoolOutcome = trace.replay(on: &allocator, base: pool.base)
    },
    {
        var allocator = ExtentTreeAllocator()
        try allocator.add(pool)
        treeOutcome = trace.replay(on: &allocator, base: pool.base)
    },
]).map { $0 / opCount }
let (cFirstFit, genPool, tree) = (traceTimes[0], traceTimes[1], traceTimes[2])
require(treeOutcome == genPoolOutcome && genPoolOutcome.addressSum == cOutcome.address_sum && genPoolOutcome.failures == cOutcome.failures,
        "the first fits disagree on the trace")

print("carve-out trace: sizes 4 KiB–16 MiB, live ≤ 256 MiB, 512 MiB pool (ns/op)")
row("extent tree", tree, "C first fit", cFirstFit, goal: "≤ 0.25")
row("gen_pool first fit (the default)", genPool, "C first fit", cFirstFit, goal: "(reference)")
let cPacking = Double(cOutcome.peak_extent) / Double(cOutcome.peak_live)
print("packing (peak extent ÷ peak live): extent tree \(format(treeOutcome.packing, 0, digits: 3)), gen_pool \(format(genPoolOutcome.packing, 0, digits: 3)), C first fit \(format(cPacking, 0, digits: 3))   goal ≤ first fit's + 0.01")
print("")

// MARK: The extent tree with many buffers live

let churnOperations = quick ? 20_000 : 1_000_000
func churn(live: Int) throws -> Double {
    let trace = PoolTrace.churn(seed: 0xC0DE, live: live, operations: churnOperations)
    let range = PhysicalRange(checkedBase: 0x1_0000_0000, size: PoolTrace.churnPoolPages(live: live) << pageShift)
    var outcome = PoolTrace.Outcome()
    let time = try best {
        var allocator = ExtentTreeAllocator()
        try allocator.add(range)
        outcome = trace.replay(on: &allocator, base: range.base)
    }
    require(outcome.failures == 0, "the churn with \(live) live failed to allocate")
    return time / Double(trace.operations.count)
}
let oneThousand = try churn(live: 1_000)
let oneMillion = try churn(live: quick ? 100_000 : 1_000_000)
print("extent tree, steady churn of 1–4-page buffers (ns/op, the fill included)")
row(quick ? "100k live" : "1M live", oneMillion, "1k live", oneThousand, goal: "≤ 3")
print("")

// MARK: The buddy allocator

let buddyTrace = PoolTrace.buddy(seed: 0xB0DD1, operations: traceOperations)
let cBuddyTrace = cOperations(buddyTrace)
let managed = PhysicalRange(checkedBase: 0x4000_0000, size: 1 << 30)
var cBuddyOutcome = cref_replay_outcome()
var buddyOutcome = PoolTrace.Outcome()
let buddyTimes = try bestInTurn([
    {
        let c = cref_buddy_create(managed.base.pageFrameNumber, managed.pageCount)
        cBuddyOutcome = cref_buddy_replay(c, cBuddyTrace, cBuddyTrace.count, UInt32(buddyTrace.slots))
        cref_buddy_destroy(c)
    },
    {
        var allocator = BuddyAllocator(managing: [managed])
        buddyOutcome = buddyTrace.replay(on: &allocator, base: managed.base)
    },
]).map { $0 / Double(buddyTrace.operations.count) }
let (cBuddy, buddy) = (buddyTimes[0], buddyTimes[1])
require(buddyOutcome.addressSum == cBuddyOutcome.address_sum && buddyOutcome.failures == cBuddyOutcome.failures, "the buddy allocators disagree")
print("buddy: orders 0–10 (each half as likely as the one below), live ≤ 256 MiB of 1 GiB (ns/op)")
row("BuddyAllocator", buddy, "C buddy", cBuddy, goal: "≤ 2")
print("")

// MARK: The heap framework

/// Scrubs nothing: the heap framework's cost with the scrub excluded.
final class SkippedScrub: ProtectedMemoryScrubber {
    func scrub(_ range: PhysicalRange) throws(AccessFault) {}
}

print("carve-out trace through the heap framework (DMA_HEAP_IOCTL_ALLOC, export, last dma_buf_put, release) (ns/op)")
for allocator in PoolAllocatorKind.allCases {
    let alone = allocator == .firstFit ? genPool : tree
    var unscrubbed = 0.0, scrubbed = 0.0
    let board = try Board(PoolTrace.carveoutBoard(allocator: allocator))
    let heap = board.heaps.find("protected-carveout")!
    let bare = try board.heaps.add(name: "unscrubbed", ops: CarveoutHeap(name: "unscrubbed", region: pool, bus: board.bus, scrubber: SkippedScrub(), allocator: allocator))
    var outcome = PoolTrace.Outcome()
    unscrubbed = try best { outcome = try trace.replay(on: board.heaps, heap: bare) } / opCount
    require(outcome.allocations == genPoolOutcome.allocations && outcome.failures == genPoolOutcome.failures, "the heap's replay differs from the allocator's")
    scrubbed = try best { outcome = try trace.replay(on: board.heaps, heap: heap) } / opCount
    board.heaps.put(bare)
    board.heaps.put(heap)
    row("heap framework, \(allocator.rawValue), scrub excluded", unscrubbed, "\(allocator.rawValue) alone", alone, goal: "≤ 1.5")
    print("  with the secure world's scrub: \(format(scrubbed, 0)) ns/op (the scrub \(format(scrubbed - unscrubbed, 0)) ns/op)")
}
print("")

// MARK: The scrub

/// Nanoseconds of `measured`, summed over `rounds` rounds with `prepare` run untimed before
/// each: the best of `repeats` such sums.
func timed(rounds: Int, prepare: () throws -> Void, _ measured: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<repeats {
        var total = Duration.zero
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            try prepare()
            let start = clock.now
            try measured()
            total += clock.now - start
        }
        fastest = min(fastest, Double(total.components.seconds) * 1e9 + Double(total.components.attoseconds) / 1e9)
    }
    return fastest
}

/// The best (of five) nanoseconds of each of two measurements taken in turn, round by round,
/// so a burst of load from another process on a shared machine hits both alike.
func interleaved(rounds: Int, prepareA: () throws -> Void, _ a: () throws -> Void,
                 prepareB: () throws -> Void, _ b: () throws -> Void) rethrows -> (Double, Double) {
    var best = (Double.infinity, Double.infinity)
    let clock = ContinuousClock()
    func nanoseconds(_ duration: Duration) -> Double { Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9 }
    for _ in 0..<(quick ? 1 : 5) {
        var totalA = Duration.zero, totalB = Duration.zero
        for _ in 0..<rounds {
            try prepareA()
            var start = clock.now
            try a()
            totalA += clock.now - start
            try prepareB()
            start = clock.now
            try b()
            totalB += clock.now - start
        }
        best = (min(best.0, nanoseconds(totalA)), min(best.1, nanoseconds(totalB)))
    }
    return best
}

print("scrub of written (resident) protected pages through the secure world (PROTMEM_SIP_SCRUB), against memset of as many written host bytes, taken in turn (GB/s)")
let scrubBoard = try Board(PoolTrace.carveoutBoard())
let sizes: [Int] = quick ? [64 << 10, 1 << 20] : [64 << 10, 1 << 20, 16 << 20, 256 << 20]
for size in sizes {
    let range = PhysicalRange(base: pool.base, size: UInt64(size))!
    let rounds = max(1, (quick ? 8 << 20 : 256 << 20) / size)
    var host = [UInt8](repeating: 1, count: size)
    let gigabytes = Double(size * rounds) / 1e9
    let write = { try scrubBoard.bus.privileged.fill(.cpuSecure, range, with: 0xA5) }
    let label = size >= 1 << 20 ? "\(size >> 20) MiB" : "\(size >> 10) KiB"
    try host.withUnsafeMutableBytes { bytes in
        let (scrub, memsetTime) = try interleaved(rounds: rounds, prepareA: write, { try scrubBoard.scrubber.scrub(range) },
                                                  prepareB: { cref_memset(bytes.baseAddress!, 1, size) }, { cref_memset(bytes.baseAddress!, 0, size) })
        row("scrub \(label)", gigabytes / scrub * 1e9, "memset \(label)", gigabytes / memsetTime * 1e9, goal: "≥ 0.9")
        // The scrub, then the next owner's full write, against memset and the same write.
        let (scrubThenWrite, memsetThenWrite) = try interleaved(rounds: rounds, prepareA: write, {
            try scrubBoard.scrubber.scrub(range)
            try scrubBoard.bus.privileged.fill(.cpuSecure, range, with: 0x5A)
        }, prepareB: { cref_memset(bytes.baseAddress!, 1, size) }, {
            cref_memset(bytes.baseAddress!, 0, size)
            cref_memset(bytes.baseAddress!, 0x5A, size)
        })
        row("scrub + next full write \(label)", gigabytes / scrubThenWrite * 1e9, "memset + next full write", gigabytes / memsetThenWrite * 1e9, goal: "≥ 0.8")
    }
}
try scrubBoard.bus.privileged.fill(.cpuSecure, PhysicalRange(base: pool.base, size: UInt64(sizes.last!))!, with: 0xA5)
require(scrubBoard.secureMonitor.holdsData(PhysicalRange(base: pool.base, size: 4096)!), "the write before the scrub did not land")
try scrubBoard.scrubber.scrub(PhysicalRange(base: pool.base, size: UInt64(sizes.last!))!)
require(!scrubBoard.secureMonitor.holdsData(PhysicalRange(base: pool.base, size: UInt64(sizes.last!))!), "the scrub left data behind")
print("")

// MARK: The checked copy

print("a 4 MiB DMA copy through the bus (decode and firewall checks on both ranges), against memcpy between host ranges as far apart (GB/s)")
let copySize = 4 << 20
let copyBoard = try Board.builtinDefault()
let copySource = PhysicalAddress(0x4000_0000), copyDestination = PhysicalAddress(0x5000_0000)
try copyBoard.bus.fill(.cpuNonSecure, PhysicalRange(base: copySource, size: UInt64(copySize))!, with: 0x3C)
try copyBoard.bus.fill(.cpuNonSecure, PhysicalRange(base: copyDestination, size: UInt64(copySize))!, with: 0x3D)
// Two host ranges 256 MiB apart, as the two board ranges are, both written before timing.
var hostCopy = [UInt8](repeating: 0x3C, count: (256 << 20) + copySize)
let copyRounds = quick ? 16 : 256
let copyGigabytes = Double(copySize * copyRounds) / 1e9
let checkedCopy = try timed(rounds: copyRounds, prepare: {}) {
    try copyBoard.bus.copy(.codec, from: copySource, to: copyDestination, count: UInt64(copySize))
}
let rawCopy = hostCopy.withUnsafeMutableBytes { bytes in
    timed(rounds: copyRounds, prepare: {}) { cref_memcpy(bytes.baseAddress! + (256 << 20), bytes.baseAddress!, copySize) }
}
row("checked copy 4 MiB", copyGigabytes / checkedCopy * 1e9, "memcpy 4 MiB", copyGigabytes / rawCopy * 1e9, goal: "≥ 0.95")
