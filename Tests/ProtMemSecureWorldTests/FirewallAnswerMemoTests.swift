@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import Synchronization
import Testing

/// The TZC-400 keeps recent answers of `permits` with the map they were read from. The same
/// questions asked again and again, between reprogrammings, must get what the map says now:
/// an answer never outlives the regions it was read from, nor answers a different master,
/// kind or range that happens to share its entry.
@Suite struct FirewallAnswerMemoTests {
    static let dram = PhysicalRange(checkedBase: 0x8000_0000, size: 0x100_0000)

    @Test func repeatedQuestionsFollowEveryReprogramming() throws {
        let bus = Bus(memory: try PhysicalMemory(ranges: [Self.dram]))
        let monitor = SecureMonitor(bus: bus, firewallRegions: 9)
        let firewall = monitor.firewall
        // A few buffers, asked about whole, by their first page and by a few bytes, by every
        // standard master for both kinds: far more questions than the memo has entries.
        let buffers = (0..<6).map { PhysicalRange(checkedBase: Self.dram.base.rawValue + UInt64($0) * 0x10_0000, size: 0x4_0000) }
        var questions: [(BusMaster, PhysicalRange, AccessKind)] = []
        for buffer in buffers {
            // Whole, by its first page, by a few bytes inside, and by a few bytes across each
            // of its edges (answers are kept per page: these must not borrow a neighbour's).
            let ranges = [buffer, PhysicalRange(checkedBase: buffer.base.rawValue, size: pageSize), PhysicalRange(checkedBase: buffer.base.rawValue + 16, size: 16),
                          PhysicalRange(checkedBase: buffer.base.rawValue - 16, size: 32), PhysicalRange(checkedBase: buffer.end - 16, size: 32),
                          PhysicalRange(checkedBase: buffer.end - 16, size: 16), PhysicalRange(checkedBase: buffer.end, size: 16)]
            for range in ranges {
                for master in BusMaster.standard { for kind in [AccessKind.read, .write] { questions.append((master, range, kind)) } }
            }
        }
        func askAll() {
            // Each question three times: the first may fill an entry, the others read it.
            for _ in 0..<3 {
                for (master, range, kind) in questions {
                    #expect(firewall.permits(master, range, kind) == (firewall.check(master, range, kind) == nil), "\(master) \(kind) \(range)")
                }
            }
        }
        askAll()
        var records: [ProtectionRecord] = []
        for (index, buffer) in buffers.enumerated() {
            let readers = Array(BusMaster.standard.dropFirst(1 + index % 3)), writers = [BusMaster.standard[index % BusMaster.standard.count]]
            records.append(try monitor.protect(buffer, readers: readers, writers: writers, owner: "test", reason: "buffer \(index)"))
            askAll()
            // The normal-world CPU is refused once the buffer is protected, whatever it asked before.
            #expect(!firewall.permits(.cpuNonSecure, buffer, .read))
        }
        for record in records {
            #expect(monitor.unprotect(record))
            askAll()
            #expect(firewall.permits(.cpuNonSecure, record.range, .read))
        }
    }

    @Test func concurrentQuestionsWhileProgrammingGetTheMapsAnswers() async throws {
        let bus = Bus(memory: try PhysicalMemory(ranges: [Self.dram]))
        let monitor = SecureMonitor(bus: bus, firewallRegions: 9)
        let firewall = monitor.firewall
        let protected = PhysicalRange(checkedBase: Self.dram.base.rawValue, size: 0x1_0000)
        let open = PhysicalRange(checkedBase: Self.dram.base.rawValue + 0x80_0000, size: 0x1_0000)
        let done = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    // Memory nothing ever protects is always open; the CPU reading protected
                    // memory is refused or allowed, never anything else (no torn answer traps).
                    while !done.value.load(ordering: .relaxed) {
                        #expect(firewall.permits(.cpuNonSecure, open, .read))
                        _ = firewall.permits(.cpuNonSecure, protected, .read)
                    }
                }
            }
            for _ in 0..<200 {
                let record = try monitor.protect(protected, readers: [.display], writers: [.codec], owner: "test", reason: "churn")
                #expect(!firewall.permits(.cpuNonSecure, protected, .read))
                #expect(firewall.permits(.codec, protected, .write))
                #expect(monitor.unprotect(record))
                #expect(firewall.permits(.cpuNonSecure, protected, .read))
                #expect(firewall.permits(.codec, protected, .write) == (firewall.check(.codec, protected, .write) == nil))
            }
            done.value.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
    }

    /// Tells the readers to stop.
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }
}
