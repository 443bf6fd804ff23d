import ProtMemBoard
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The device's events as the queue holds them: plain values sent to the device's handler,
/// listed under the device's name, and doing nothing once the device is gone.
@Suite("Device events")
struct DeviceEventTests {
    /// Pending device events are listed by the queue as "<device>: <step>", the step's label
    /// formatted only then; they run in order and the device reaches idle.
    @Test func pendingDeviceEventsAreListedUnderTheDeviceName() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            _ = try gpu.submit(GPUJob("listed", duration: .milliseconds(1)), to: group)
            #expect(bench.events.pendingLabels == ["\(gpu.name): tick", "\(gpu.name): doorbell 0"])
            bench.run(for: .microseconds(20))
            #expect(bench.events.pendingLabels == ["\(gpu.name): job 1.0.0"])
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
            bench.runUntilIdle()
            #expect(bench.events.pendingCount == 0)
        }
    }

    /// Events still pending when the device goes away run and do nothing: the queue keeps the
    /// device's handler, which finds the device gone. A device let go of without `unplug()`
    /// gives back what it held (its protected firmware sections, its group's buffers) and lets
    /// the board go: no dma-buf stays on the board's list, keeping the board alive through it.
    @Test func eventsOutlivingTheDeviceDoNothing() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            var pending = 0
            do {
                let gpu = try bench.probedDevice(.heapByName)
                let (_, group) = try bench.group(on: gpu, priority: .medium)
                _ = try gpu.submit(GPUJob("orphaned", duration: .milliseconds(1)), to: group)
                pending = bench.events.pendingCount
            }
            #expect(pending > 0)
            #expect(board.dmaBufs.buffers.isEmpty, "the dropped device still holds dma-bufs")
            let ran = bench.events.runUntilEmpty(limit: 10_000)
            #expect(ran == pending, "each pending event ran once and scheduled nothing")
            #expect(bench.events.pendingCount == 0)
        }
    }
}
