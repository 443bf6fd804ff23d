import ProtMemHeaps
@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE
import Synchronization

/// The secure-memory TA: allocates zeroed protected buffers from its own carve-out or from
/// the CMA region the kernel passes in with each `ZALLOC`, and protects what it manages with
/// the firewall. It protects the CMA region when its first buffer is allocated there and
/// scrubs and releases it when the last one is freed, before the kernel gives the region back.
public final class MediaTekSecureMemoryTA: TrustedApplication {
    public let uuid = MediaTekSecureMemory.uuid
    public let name = "mtk-secmem"
    public let grant: OPTEEConfiguration.Grant

    struct Region {
        var pool: GenPool
        var protection: ProtectionRecord?
    }

    struct Buffer {
        let range: PhysicalRange
        let type: MediaTekSecureMemory.MemoryType
        /// The session that allocated it: when that session ends, its buffers go with it.
        let session: UInt32
    }

    struct State {
        var carveout: Region?
        var cma: Region?
        var cmaRange: PhysicalRange?
        var buffers: [UInt32: Buffer] = [:]
        var nextHandle: UInt32 = 1
        /// Fault injection: the next ZALLOC answers this.
        var failNextAllocation: TEEResult?
    }

    let state = Mutex(State())

    /// `carveout` is the TEE-managed region (protected here, at TA start); `nil` when the
    /// platform has none.
    @_spi(SecureWorld)
    public init(carveout: PhysicalRange?, grant: OPTEEConfiguration.Grant, monitor: SecureMonitor) throws(FirewallError) {
        self.grant = grant
        if let carveout {
            let record = try monitor.protect(carveout, readers: grant.readers, writers: grant.writers, owner: "mtk-secmem",
                                             reason: "MTK_SECURE_MEMORY_TYPE_CM_TZ carve-out managed by the TA")
            var pool = GenPool()
            try? pool.add(carveout)
            state.withLock { $0.carveout = Region(pool: pool, protection: record) }
        }
    }

    @_spi(SecureWorld)
    public func failNextAllocation(with result: TEEResult) {
        state.withLock { $0.failNextAllocation = result }
    }

    public var liveBuffers: Int { state.withLock { $0.buffers.count } }

    public func invoke(_ session: UInt32, command: UInt32, parameters: inout [TAParameter], environment: TAEnvironment) -> TEEResult {
        switch command {
        case MediaTekSecureMemory.zalloc: zalloc(session, &parameters, environment)
        case MediaTekSecureMemory.free: free(session, &parameters, environment)
        case MediaTekSecureMemory.retrieveSG: retrieveSG(session, &parameters, environment)
        default: .notSupported
        }
    }

    /// ZALLOC: p0 (size, alignment), p1 (type), p2 inout (CMA: region base and size in;
    /// entry count and base out), p3 out (handle).
    private func zalloc(_ session: UInt32, _ parameters: inout [TAParameter], _ environment: TAEnvironment) -> TEEResult {
        guard parameters.count == 4, case .valueInput(let size, let alignment) = parameters[0],
              case .valueInput(let rawType, _) = parameters[1], case .valueInout(let cmaBase, let cmaSize) = parameters[2],
              case .valueOutput = parameters[3], let type = MediaTekSecureMemory.MemoryType(rawValue: rawType),
              size > 0, alignment == 0 || alignment.nonzeroBitCount == 1 else {
            return .badParameters
        }
        if let injected = state.withLock({ $0.failNextAllocation.take() }) { return injected }
        let length = (UInt64(size) + pageSize - 1) & ~(pageSize - 1)
        var result = TEEResult.success
        var allocated: PhysicalRange?
        var handle: UInt32 = 0
        state.withLock { state in
            if type == .cma {
                guard let region = PhysicalRange(base: PhysicalAddress(UInt64(cmaBase)), size: UInt64(cmaSize)), region.isPageAligned, !region.isEmpty else {
                    result = .badParameters
                    return
                }
                if state.cma == nil {
                    // First buffer in the region: it must be normal-world memory the kernel owns.
                    guard environment.bus.permits(.cpuNonSecure, region, .write) else {
                        result = .accessDenied
                        return
                    }
                    do {
                        try environment.monitor.scrub(region)
                        let record = try environment.monitor.protect(region, readers: grant.readers, writers: grant.writers, owner: "mtk-secmem",
                                                                     reason: "MTK_SECURE_MEMORY_TYPE_CM_CMA region handed over by the kernel")
                        var pool = GenPool()
                        try pool.add(region)
                        state.cma = Region(pool: pool, protection: record)
                        state.cmaRange = region
                    } catch {
                        result = .outOfMemory
                        return
                    }
                } else if state.cmaRange != region {
                    result = .badParameters
                    return
                }
            }
            guard let address = (type == .cma ? state.cma?.pool.allocate(length) : state.carveout?.pool.allocate(length)) else {
                result = .outOfMemory
                return
            }
            allocated = PhysicalRange(base: address, size: length)
            handle = state.nextHandle
            state.nextHandle &+= 1
            state.buffers[handle] = Buffer(range: allocated!, type: type, session: session)
        }
        guard result == .success, let allocated else {
            releaseCMARegionIfEmpty(environment)
            return result
        }
        // Z for zeroed: the TA wipes before it hands out.
        _ = try? environment.monitor.scrub(allocated)
        parameters[2] = .valueInout(a: 1, b: UInt32(truncatingIfNeeded: allocated.base.rawValue))
        parameters[3] = .valueOutput(a: handle, b: 0)
        return .success
    }

    /// FREE: p0 (handle), p1 out (result: 0 when freed). A handle belongs to the session that
    /// allocated it: another session's is answered as an unknown one, so a client can neither
    /// free a buffer it does not own (whose pages the next allocation would hand out while
    /// still in use) nor learn that the handle exists.
    private func free(_ session: UInt32, _ parameters: inout [TAParameter], _ environment: TAEnvironment) -> TEEResult {
        guard parameters.count >= 2, case .valueInput(let handle, _) = parameters[0], case .valueOutput = parameters[1] else { return .badParameters }
        guard let buffer = state.withLock({ state in
            state.buffers[handle]?.session == session ? state.buffers.removeValue(forKey: handle) : nil
        }) else {
            parameters[1] = .valueOutput(a: 1, b: 0)
            return .itemNotFound
        }
        release(buffer, environment)
        parameters[1] = .valueOutput(a: 0, b: 0)
        return .success
    }

    /// Scrubs a buffer and returns it to its region; the CMA region goes when it empties.
    private func release(_ buffer: Buffer, _ environment: TAEnvironment) {
        _ = try? environment.monitor.scrub(buffer.range)
        state.withLock { state in
            if buffer.type == .cma { try? state.cma?.pool.free(buffer.range.base, size: buffer.range.size) }
            else { try? state.carveout?.pool.free(buffer.range.base, size: buffer.range.size) }
        }
        releaseCMARegionIfEmpty(environment)
    }

    /// RETRIEVE_SG: p0 (handle), p1 inout memref receiving packed `{u64 pa; u32 length}`. Only
    /// the session that allocated the handle learns where its pages are.
    private func retrieveSG(_ session: UInt32, _ parameters: inout [TAParameter], _ environment: TAEnvironment) -> TEEResult {
        guard parameters.count >= 2, case .valueInput(let handle, _) = parameters[0],
              case .memrefInout(let shared?, _) = parameters[1] else { return .badParameters }
        guard let buffer = state.withLock({ $0.buffers[handle] }), buffer.session == session else { return .itemNotFound }
        guard shared.size >= UInt64(MediaTekSecureMemory.scatterEntrySize) else {
            parameters[1] = .memrefInout(range: shared, size: UInt64(MediaTekSecureMemory.scatterEntrySize))
            return .shortBuffer
        }
        var entry = [UInt8].littleEndian(buffer.range.base.rawValue)
        entry.appendLittleEndian(UInt32(truncatingIfNeeded: buffer.range.size))
        guard (try? environment.bus.privileged.write(.cpuSecure, at: shared.base, bytes: entry)) != nil else { return .accessDenied }
        parameters[1] = .memrefInout(range: shared, size: UInt64(entry.count))
        return .success
    }

    /// The CMA region goes back (scrubbed, unprotected) when nothing in it is allocated.
    private func releaseCMARegionIfEmpty(_ environment: TAEnvironment) {
        let record = state.withLock { state -> ProtectionRecord? in
            guard let region = state.cma, region.pool.available == region.pool.size else { return nil }
            state.cma = nil
            state.cmaRange = nil
            return region.protection
        }
        if let record { environment.monitor.unprotect(record) }
    }

    /// A session's end (closed, or killed with its TA) frees what it allocated, so nothing stays
    /// protected on behalf of a client that can no longer free it.
    public func closeSession(_ session: UInt32, environment: TAEnvironment) {
        let orphans = state.withLock { state -> [Buffer] in
            let handles = state.buffers.filter { $0.value.session == session }.keys.sorted()
            return handles.compactMap { state.buffers.removeValue(forKey: $0) }
        }
        for buffer in orphans { release(buffer, environment) }
    }
}
