import ProtMemDMABuf
import ProtMemMemory
import ProtMemTestSupport
import Testing

/// A small kernel for core tests: 1 MiB of memory, a bus, a dma-buf list.
struct Fixture {
    let bus: Bus
    let list: DMABufList
    let range = PhysicalRange(checkedBase: 0x1000, size: 0x4000)
    init() throws {
        bus = Bus(memory: try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 1 << 20)]))
        list = DMABufList(bus: bus)
    }
    func export(_ exporter: TrackingExporter, flags: OpenFlags = [.readWrite, .closeOnExec]) throws -> DMABuf {
        try DMABuf.export(exporter, size: exporter.range.size, fileFlags: flags, list: list)
    }
}

@Suite struct DMABufLifecycleTests {
    enum Step: CaseIterable { case put, detach, unmapDevice, munmap, vunmap }

    /// Every order of dropping a reference, detaching, unmapping the device mapping, and
    /// unmapping the CPU and kernel mappings releases the buffer exactly once, exactly when
    /// the last holder goes.
    @Test func releaseRunsOnceWhicheverOrderHoldersGo() throws {
        for order in permutations(Step.allCases) {
            let fixture = try Fixture()
            let exporter = TrackingExporter(range: fixture.range)
            let buffer = try fixture.export(exporter)
            let attachment = try buffer.attach(DMADevice(name: "gpu", master: .gpu))
            let table = try buffer.map(attachment, direction: .toDevice)
            let cpu = try buffer.mmap(MmapRequest(pageOffset: 0, length: 0x4000, shared: true, protection: .readWrite))
            let kernel = try buffer.vmap()
            #expect(buffer.referenceCount == 2) // the export's reference and the mmap's
            var detached = false
            for (index, step) in order.enumerated() {
                #expect(exporter.calls.release == (buffer.isReleased ? 1 : 0), "released early in \(order)")
                switch step {
                case .put: try buffer.put()
                case .detach:
                    try buffer.detach(attachment)
                    detached = true
                case .unmapDevice:
                    if detached {
                        #expect(throws: Errno.self) { try buffer.unmap(attachment, table, direction: .toDevice) }
                    } else {
                        try buffer.unmap(attachment, table, direction: .toDevice)
                    }
                case .munmap: try cpu.unmap()
                case .vunmap: try kernel.unmap()
                }
                let holdersLeft = order[(index + 1)...].contains { $0 != .unmapDevice }
                #expect(buffer.isReleased == !holdersLeft, "after \(order[...index])")
            }
            #expect(exporter.calls.release == 1)
            #expect(exporter.calls.unmap == 1, "the device mapping is unmapped exactly once in \(order)")
            #expect(exporter.calls.vmap == 1 && exporter.calls.vunmap == 1)
            #expect(fixture.list.count == 0)
            // Nothing reaches a released buffer.
            #expect(throws: Errno.badFileDescriptor) { try buffer.get() }
            #expect(throws: Errno.badFileDescriptor) { try buffer.put() }
            #expect(throws: Errno.badFileDescriptor) { try buffer.attach(DMADevice(name: "codec", master: .codec)) }
            #expect(throws: Errno.badFileDescriptor) { try buffer.vmap() }
            #expect(throws: Errno.badFileDescriptor) { try buffer.setName("late") }
            #expect(throws: Errno.badFileDescriptor) { try buffer.beginCPUAccess(direction: .bidirectional) }
            #expect(throws: DMABufCPUMapping.AccessError.unmapped) { try cpu.read(at: 0, count: 1) }
        }
    }

    @Test func refusedAttachLeavesNothingBehind() throws {
        let fixture = try Fixture()
        let exporter = TrackingExporter(range: fixture.range, refuseAttach: .noMemory)
        let buffer = try fixture.export(exporter)
        #expect(throws: Errno.noMemory) { try buffer.attach(DMADevice(name: "gpu", master: .gpu)) }
        #expect(buffer.attachedDevices.isEmpty)
        #expect(buffer.pinCount == 0)
        try buffer.put()
        #expect(exporter.calls.release == 1)
    }

    @Test func vmapIsCountedAndMissingOpsAnswerAsTheKernel() throws {
        let fixture = try Fixture()
        let exporter = TrackingExporter(range: fixture.range)
        let buffer = try fixture.export(exporter)
        let a = try buffer.vmap(), b = try buffer.vmap()
        #expect(exporter.calls.vmap == 1 && buffer.vmapCount == 2)
        try a.unmap()
        #expect(exporter.calls.vunmap == 0)
        try b.unmap()
        #expect(exporter.calls.vunmap == 1)
        #expect(throws: Errno.invalidArgument) { try b.unmap() }
        // A window past the end is EINVAL, as is DMA_NONE for a mapping.
        #expect(throws: Errno.invalidArgument) { try buffer.mmap(MmapRequest(pageOffset: 3, length: 0x2000, shared: true, protection: .readOnly)) }
        #expect(throws: Errno.invalidArgument) { try buffer.mmap(MmapRequest(pageOffset: .max, length: 0x1000, shared: true, protection: .readOnly)) }
        let attachment = try buffer.attach(DMADevice(name: "gpu", master: .gpu))
        #expect(throws: Errno.invalidArgument) { try buffer.map(attachment, direction: .none) }
        try buffer.detach(attachment)
        #expect(throws: Errno.invalidArgument) { try buffer.detach(attachment) }
        try buffer.put()

        // Without mmap/vmap ops: EINVAL; without CPU-access ops: success, nothing called.
        let bare = TrackingExporter(range: fixture.range, operations: [])
        let plain = try fixture.export(bare)
        #expect(throws: Errno.invalidArgument) { try plain.mmap(MmapRequest(pageOffset: 0, length: 0x1000, shared: true, protection: .readOnly)) }
        #expect(throws: Errno.invalidArgument) { try plain.vmap() }
        try plain.beginCPUAccess(direction: .fromDevice)
        try plain.endCPUAccess(direction: .fromDevice)
        #expect(bare.calls.beginCPUAccess == 0 && bare.calls.attach == 0)
        let attached = try plain.attach(DMADevice(name: "codec", master: .codec))
        #expect(bare.calls.attach == 0)
        try plain.detach(attached)
        try plain.put()
    }

    @Test func cpuMappingsGoThroughTheBus() throws {
        let fixture = try Fixture()
        let buffer = try fixture.export(TrackingExporter(range: fixture.range))
        let shared = try buffer.mmap(MmapRequest(pageOffset: 1, length: 0x2000, shared: true, protection: .readWrite))
        try shared.write(at: 0xFFE, bytes: [1, 2, 3, 4])
        #expect(try fixture.bus.read(.gpu, PhysicalRange(checkedBase: 0x2FFE, size: 4)) == [1, 2, 3, 4])
        #expect(throws: DMABufCPUMapping.AccessError.outOfBounds(offset: 0x1FFF, count: 2, length: 0x2000)) { try shared.read(at: 0x1FFF, count: 2) }
        let readOnly = try buffer.mmap(MmapRequest(pageOffset: 0, length: 0x1000, shared: true, protection: .readOnly))
        #expect(throws: DMABufCPUMapping.AccessError.readOnly) { try readOnly.write(at: 0, bytes: [1]) }
        // A private mapping copies on write: the buffer does not see its stores.
        let privateMap = try buffer.mmap(MmapRequest(pageOffset: 1, length: 0x2000, shared: false, protection: .readWrite))
        try privateMap.write(at: 0xFFF, bytes: [9, 9])
        #expect(try privateMap.read(at: 0xFFE, count: 4) == [1, 9, 9, 4])
        #expect(try shared.read(at: 0xFFE, count: 4) == [1, 2, 3, 4])
        #expect(buffer.referenceCount == 4)
        for mapping in [shared, readOnly, privateMap] { try mapping.unmap() }
        try buffer.put()
        #expect(buffer.isReleased)
    }

    @Test func namesFollowStrndupUser() throws {
        let fixture = try Fixture()
        let buffer = try fixture.export(TrackingExporter(range: fixture.range))
        #expect(buffer.name == nil)
        try buffer.setName(String(repeating: "a", count: 31))
        #expect(buffer.name?.utf8.count == 31)
        #expect(throws: Errno.invalidArgument) { try buffer.setName(String(repeating: "b", count: 32)) }
        #expect(buffer.name == String(repeating: "a", count: 31))
        // Bytes, not characters: 16 two-byte characters are 32 bytes.
        #expect(throws: Errno.invalidArgument) { try buffer.setName(String(repeating: "é", count: 16)) }
        try buffer.setName("")
        #expect(buffer.name == "")
        try buffer.setName("cut\u{0}here")
        #expect(buffer.name == "cut")
        try buffer.put()
    }

    @Test func bufinfoPrintsTheKernelFormat() throws {
        let fixture = try Fixture()
        let first = try fixture.export(TrackingExporter(range: fixture.range, name: "system"))
        let second = try fixture.export(TrackingExporter(range: PhysicalRange(checkedBase: 0x8000, size: 0x1000), name: "linux,cma"), flags: .readOnly)
        try second.setName("frame-0")
        let gpu = try first.attach(DMADevice(name: "fb000000.gpu", master: .gpu))
        let vop = try first.attach(DMADevice(name: "fdd90000.vop", master: .display))
        try first.get()
        let expected = """

        Dma-buf Objects:
        size    \tflags   \tmode    \tcount   \texp_name\tino     \tname
        00004096\t00000000\t00080005\t00000001\tlinux,cma\t00000002\tframe-0
        \tAttached Devices:
        Total 0 devices attached

        00016384\t00000002\t00080007\t00000002\tsystem\t00000001\t<none>
        \tAttached Devices:
        \tfdd90000.vop
        \tfb000000.gpu
        Total 2 devices attached


        Total 2 objects, 20480 bytes

        """
        #expect(fixture.list.bufinfo() == expected)
        try first.detach(gpu)
        try first.detach(vop)
        try first.put()
        try first.put()
        try second.put()
        #expect(fixture.list.bufinfo() == "\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n\nTotal 0 objects, 0 bytes\n")
    }

    @Test func exportRefusesSizesThatAreNotWholePages() throws {
        let fixture = try Fixture()
        #expect(throws: Errno.invalidArgument) { try DMABuf.export(TrackingExporter(range: fixture.range), size: 100, fileFlags: .readWrite, list: fixture.list) }
        #expect(throws: Errno.invalidArgument) { try DMABuf.export(TrackingExporter(range: fixture.range), size: 0, fileFlags: .readWrite, list: fixture.list) }
        #expect(fixture.list.count == 0)
    }
}

func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { i -> [[T]] in
        var rest = items
        let head = rest.remove(at: i)
        return permutations(rest).map { [head] + $0 }
    }
}

/// The list's observer (what a simulator's heap accounting hangs on) sees each buffer
/// exported once and released once, after the exporter's `release` has given its memory back.
@Suite struct DMABufListObserverTests {
    final class Watcher: DMABufListObserver, @unchecked Sendable {
        var exported: [UInt64] = []
        var released: [(inode: UInt64, exporterReleased: Int)] = []
        let exporter: TrackingExporter
        init(_ exporter: TrackingExporter) { self.exporter = exporter }
        func bufferExported(_ buffer: DMABuf) { exported.append(buffer.inode) }
        func bufferReleased(_ buffer: DMABuf) { released.append((buffer.inode, exporter.calls.release)) }
    }

    @Test func seesEachExportAndReleaseOnce() throws {
        let fixture = try Fixture()
        let exporter = TrackingExporter(range: fixture.range)
        let watcher = Watcher(exporter)
        fixture.list.observe(with: watcher)
        defer { fixture.list.observe(with: nil) }
        let buffer = try fixture.export(exporter)
        #expect(watcher.exported == [buffer.inode] && watcher.released.isEmpty)
        try buffer.get()
        try buffer.put()
        #expect(watcher.released.isEmpty)
        try buffer.put()
        #expect(watcher.released.map(\.inode) == [buffer.inode] && watcher.released.first?.exporterReleased == 1)
        fixture.list.observe(with: nil)
        try fixture.export(TrackingExporter(range: fixture.range)).put()
        #expect(watcher.exported.count == 1 && watcher.released.count == 1)
    }
}
