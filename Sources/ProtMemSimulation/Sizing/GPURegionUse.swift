import ProtMemMemory
import ProtMemPanthor
import Synchronization

/// What the GPU driver holds of its own `memory-region` (the reserved-region design's, when
/// it is no heap's): the firmware's PROT sections and each protected group's suspend buffer.
/// That memory is no dma-buf, so the heap accounting never sees it; this reads it off the
/// driver's allocations instead, after the boot and after every event, up to the scenario's
/// end, and keeps the peak.
final class GPURegionUse: Sendable {
    let region: PhysicalRange
    let name: String
    private struct State {
        var firmware: [PhysicalRange] = []
        /// The device once booted (the run lets go of this object when it ends).
        var gpu: PanthorDevice?
        var bytes: UInt64 = 0
        var peak: UInt64 = 0
    }
    private let state = Mutex(State())

    init(name: String, region: PhysicalRange) {
        self.name = name
        self.region = region
    }

    /// The chunks the driver holds in the region now.
    private func chunks(_ gpu: PanthorDevice, firmware: [PhysicalRange]) -> [PhysicalRange] {
        var held = firmware
        for group in gpu.liveGroups {
            if let buffer = gpu.protectedSuspendBuffer(of: group) { held += buffer.chunks.filter { region.contains($0) } }
        }
        return held
    }

    /// After the probe: the firmware's sections, which stay for the device's life.
    func booted(_ gpu: PanthorDevice) {
        let sections = gpu.firmwareSections.flatMap { placement -> [PhysicalRange] in
            guard case .protected = placement.memory else { return [] }
            return placement.chunks.filter { region.contains($0) }
        }
        state.withLock { state in
            state.firmware = sections
            state.gpu = gpu
        }
        sample(gpu)
    }

    func sample(_ gpu: PanthorDevice) {
        let firmware = state.withLock { $0.firmware }
        let bytes = chunks(gpu, firmware: firmware).reduce(0) { $0 + $1.size }
        state.withLock { state in
            state.bytes = bytes
            state.peak = max(state.peak, bytes)
        }
    }

    var peak: UInt64 { state.withLock { $0.peak } }

    /// The region's free extents now (before the GPU exists: the whole region).
    func freeExtents() -> [PhysicalRange] {
        let (gpu, firmware) = state.withLock { ($0.gpu, $0.firmware) }
        guard let gpu else { return [region] }
        let held = chunks(gpu, firmware: firmware).sorted { $0.base < $1.base }
        var free: [PhysicalRange] = [], cursor = region.base.rawValue
        for chunk in held {
            if chunk.base.rawValue > cursor, let gap = PhysicalRange(base: PhysicalAddress(cursor), size: chunk.base.rawValue - cursor) { free.append(gap) }
            cursor = max(cursor, chunk.end)
        }
        if cursor < region.end, let gap = PhysicalRange(base: PhysicalAddress(cursor), size: region.end - cursor) { free.append(gap) }
        return free
    }
}
