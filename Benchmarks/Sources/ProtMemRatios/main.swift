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
import ProtMemMemory

let quick = CommandLine.arguments.contains("--quick")
let traceOperations = quick ? 50_000 : 1_000_000
let repeats = quick ? 1 : 3

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

print("ProtMem ratios (issue 18), \(traceOperations) operations a trace, best of \(repeats)")
print("")
let trace = PoolTrace.carveout(seed: 0x5EED, operations: traceOperations)
let cTrace = cOperations(trace)
let opCount = Double(trace.operations.count)

var cOutcome = cref_replay_outcome()
let cFirstFit = best {
    let c = cref_first_fit_create(pool.base.rawValue, pool.size, UInt32(pageShift))
    cOutcome = cref_first_fit_replay(c, cTrace, cTrace.count, UInt32(trace.slots))
    cref_first_fit_destroy(c)
} / opCount

var genPoolOutcome = PoolTrace.Outcome()
let genPool = try best {
    var allocator = GenPool()
    try allocator.add(pool)
    genPoolOutcome = trace.replay(on: &allocator, base: pool.base)
} / opCount

var treeOutcome = PoolTrace.Outcome()
let tree = try best {
    var allocator = ExtentTreeAllocator()
    try allocator.add(pool)
    treeOutcome = trace.replay(on: &allocator, base: pool.base)
} / opCount
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
let cBuddy = best {
    let c = cref_buddy_create(managed.base.pageFrameNumber, managed.pageCount)
    cBuddyOutcome = cref_buddy_replay(c, cBuddyTrace, cBuddyTrace.count, UInt32(buddyTrace.slots))
    cref_buddy_destroy(c)
} / Double(buddyTrace.operations.count)
var buddyOutcome = PoolTrace.Outcome()
let buddy = best {
    var allocator = BuddyAllocator(managing: [managed])
    buddyOutcome = buddyTrace.replay(on: &allocator, base: managed.base)
} / Double(buddyTrace.operations.count)
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
