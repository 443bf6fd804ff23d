import ProtMemMemory

extension DMABuf {
    /// `dma_buf_begin_cpu_access`: brackets CPU access for cache maintenance. An exporter
    /// without the op has nothing to do, so the kernel answers 0, and so does the model.
    public func beginCPUAccess(direction: DMADataDirection) throws(Errno) {
        try checkLive()
        guard exporter.operations.contains(.beginCPUAccess) else { return }
        try exporter.beginCPUAccess(direction: direction)
    }

    /// `dma_buf_end_cpu_access`: as ``beginCPUAccess(direction:)``.
    public func endCPUAccess(direction: DMADataDirection) throws(Errno) {
        try checkLive()
        guard exporter.operations.contains(.endCPUAccess) else { return }
        try exporter.endCPUAccess(direction: direction)
    }

    /// `dma_buf_mmap_internal`: maps `request.length` bytes from page `request.pageOffset` for
    /// the (non-secure) CPU. `EINVAL` when the exporter has no `mmap`, or when the window runs
    /// past the buffer; the exporter may refuse more (a CMA heap refuses private mappings).
    /// The mapping holds a reference until ``DMABufCPUMapping/unmap()``.
    public func mmap(_ request: MmapRequest) throws(Errno) -> DMABufCPUMapping {
        try checkLive()
        guard exporter.operations.contains(.mmap) else { throw .invalidArgument }
        let (end, overflow) = request.pageOffset.addingReportingOverflow(request.pageCount)
        guard request.length > 0, !overflow, end <= size >> pageShift else { throw .invalidArgument }
        let table = try exporter.mmap(request)
        guard let segments = table.segments(offset: request.pageOffset << pageShift, count: request.pageCount << pageShift) else {
            throw .invalidArgument
        }
        try get()
        state.withLock { $0.mmapCount += 1 }
        return DMABufCPUMapping(buffer: self, kind: .mmap(shared: request.shared), protection: request.protection, segments: segments)
    }

    /// `dma_buf_vmap`: a kernel mapping of the whole buffer. Counted as the kernel counts
    /// `vmapping_counter`: the exporter's `vmap` runs on the first one only. `EINVAL` when the
    /// exporter has none.
    public func vmap() throws(Errno) -> DMABufCPUMapping {
        guard exporter.operations.contains(.vmap) else {
            try checkLive()
            throw .invalidArgument
        }
        // Under the lock, as the kernel holds the reservation lock: two racing first vmaps
        // must not both reach the exporter.
        let table = try state.withLock { state throws(Errno) -> SGTable in
            guard !state.released else { throw .badFileDescriptor }
            let table: SGTable
            if let existing = state.vmapTable {
                table = existing
            } else {
                table = try exporter.vmap()
            }
            state.vmapTable = table
            state.vmapCount += 1
            state.pins += 1
            return table
        }
        return DMABufCPUMapping(buffer: self, kind: .vmap, protection: .readWrite, segments: table.segments(offset: 0, count: size) ?? [])
    }

    /// Live kernel mappings (`vmapping_counter`).
    public var vmapCount: Int { state.withLock { $0.vmapCount } }
    /// Live CPU mappings made with ``mmap(_:)``.
    public var mmapCount: Int { state.withLock { $0.mmapCount } }

    func unmapCPU(_ mapping: DMABufCPUMapping) throws(Errno) {
        let isPin = mapping.kind == .vmap
        try drop(pin: isPin) { state throws(Errno) in
            switch mapping.kind {
            case .mmap:
                state.mmapCount -= 1
            case .vmap:
                state.vmapCount -= 1
                if state.vmapCount == 0 {
                    state.vmapTable = nil
                    exporter.vunmap()
                }
            }
        }
    }

    func checkLive() throws(Errno) {
        if isReleased { throw .badFileDescriptor }
    }
}
