import Dispatch
import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemTestSupport
import ProtMemUserspace
import Testing

@Suite struct UserspaceConcurrencyTests {
    /// Several processes on several threads allocate, map, pass buffers around the ring and
    /// close them, all at once; after they exit nothing is left.
    @Test func processesOnThreadsPassingBuffersLeaveNothing() throws {
        try withLeakCheckedBoard { board in
            let userspace = Userspace(board: board)
            let processes = (0..<4).map { userspace.spawn(name: "t\($0)") }
            DispatchQueue.concurrentPerform(iterations: processes.count) { index in
                let process = processes[index]
                let next = processes[(index + 1) % processes.count]
                var random = SplitMix64(seed: UInt64(index + 1))
                guard let heap = try? process.openHeap(index % 2 == 0 ? "system" : "linux,cma") else { return }
                for _ in 0..<100 {
                    guard let buffer = try? process.allocate(heap, length: (1 + random.next() % 16) << 12, fdFlags: .readWrite) else { continue }
                    if let map = try? process.mmap(length: 4096, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0) {
                        try? process.store(map, bytes: [UInt8(index)])
                        try? process.munmap(map, length: 4096)
                    }
                    if random.next() % 2 == 0, let passed = try? process.send(buffer, to: next) {
                        _ = try? next.fdinfo(passed)
                        if random.next() % 2 == 0 { try? next.close(passed) }
                    }
                    try? process.close(buffer)
                }
            }
            userspace._checkInvariants()
            for process in processes { process.exit() }
            #expect(board.dmaBufs.count == 0)
        }
    }
}
