import Dispatch
import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemTestSupport
import Synchronization
import Testing

@Suite struct ConcurrencyTests {
    /// Several threads allocate on every heap, share buffers with each other (get, attach,
    /// map), and free them, all at once; afterwards the accounting is exact.
    @Test func threadsAllocatingSharingAndFreeingLeaveExactAccounting() throws {
        try withLeakCheckedBoard { board in
            let names = board.heaps.names
            let threads = 4
            let rounds = 150
            let shared = SharedSlots(count: threads)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                var rng = SplitMix64(seed: UInt64(thread + 1))
                for round in 0..<rounds {
                    let name = names[(thread + round) % names.count]
                    guard let heap = board.heaps.find(name) else { continue }
                    defer { board.heaps.put(heap) }
                    let pages = 1 + rng.next() % 64
                    guard let buffer = try? board.heaps.allocate(heap, length: pages << 12, fdFlags: .readWrite) else { continue }
                    // Hand it to a neighbour's slot; take whatever was there and use it.
                    if let taken = shared.swap(buffer, at: (thread + 1) % threads) {
                        let device = standardDevices[Int(rng.next() % UInt64(standardDevices.count))]
                        if let attachment = try? taken.attach(device) {
                            if let table = try? taken.map(attachment, direction: .bidirectional) {
                                try? taken.unmap(attachment, table, direction: .bidirectional)
                            }
                            try? taken.detach(attachment)
                        }
                        try? taken.put()
                    }
                }
            }
            for buffer in shared.drain() { try buffer.put() }
        }
    }
}

/// Slots threads pass buffers through.
final class SharedSlots: Sendable {
    private let slots: Mutex<[DMABuf?]>
    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }
    func swap(_ buffer: DMABuf, at index: Int) -> DMABuf? {
        slots.withLock { slots in
            defer { slots[index] = buffer }
            return slots[index]
        }
    }
    func drain() -> [DMABuf] {
        slots.withLock { slots in
            defer { slots = slots.map { _ in nil } }
            return slots.compactMap { $0 }
        }
    }
}
