import ProtMemMemory

extension GPUAddressSpace {
    /// The physical chunks behind `range` for an access of kind `access`, in VA order, with
    /// physically contiguous neighbours merged.
    ///
    /// Faults (recorded, then thrown) at the first address that is unmapped or whose mapping
    /// forbids the access: a write or atomic to a read-only mapping, an instruction fetch from
    /// a no-exec one. An empty range touches nothing and translates to no chunks.
    public func translate(_ range: GPUVirtualRange, access: GPUAccessType) throws(GPUTranslationFault) -> [PhysicalRange] {
        Array(try chunks(for: range, access: access))
    }

    /// ``translate(_:access:)`` into a ``PhysicalChunkList``, which holds the usual single
    /// chunk inline: the GPU's own accesses translate this way, one or more per job.
    func chunks(for range: GPUVirtualRange, access: GPUAccessType) throws(GPUTranslationFault) -> PhysicalChunkList {
        try versionedChunks(for: range, access: access).chunks
    }

    /// ``chunks(for:access:)`` and the ``version`` of the mappings it walked (read under the
    /// same lock), for a cache to remember it by.
    func versionedChunks(for range: GPUVirtualRange, access: GPUAccessType) throws(GPUTranslationFault) -> (chunks: PhysicalChunkList, version: UInt64) {
        let outcome: Result<(chunks: PhysicalChunkList, version: UInt64), GPUTranslationFault> = state.withLock { mappings in
            var chunks = PhysicalChunkList()
            var cursor = range.start.rawValue
            var index = Self.firstIndex(in: mappings, endingAfter: cursor)
            while cursor < range.end {
                guard index < mappings.count, mappings[index].virtualRange.start.rawValue <= cursor else {
                    return .failure(fault(at: cursor, range, access, .unmapped))
                }
                guard access.isPermitted(by: mappings[index].attributes) else {
                    return .failure(fault(at: cursor, range, access, access == .execute ? .executeNoExecute : .writeToReadOnly))
                }
                let part = mappings[index].virtualRange.intersection(range)!
                mappings[index].forEachPhysicalChunk(for: part) { chunk in chunks.append(chunk) }
                cursor = part.end
                index += 1
            }
            return .success((chunks, version))
        }
        switch outcome {
        case .success(let translated):
            return translated
        case .failure(let fault):
            faultLog.record(fault)
            throw fault
        }
    }

    private func fault(
        at address: UInt64, _ range: GPUVirtualRange, _ access: GPUAccessType, _ reason: GPUTranslationFault.Reason
    ) -> GPUTranslationFault {
        GPUTranslationFault(addressSpace: id, address: GPUVirtualAddress(address), size: range.size, access: access, reason: reason)
    }
}
