import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory

/// How the GPU's shader cores and its MCU reach memory: through a GPU address space, then onto
/// the bus as the master the GPU's mode gives it (`BusMaster.gpu`, or `BusMaster.gpuProtected`
/// while `GPU_STATUS_PROTM_ACTIVE` is set).
///
/// Two rules keep protected content in:
/// 1. **Outside protected mode** the GPU is `gpu` on the bus, which no protected region admits:
///    the firewall refuses it and the bus records the fault. Nothing here is needed for that.
/// 2. **In protected mode** the GPU must not write memory that is not protected, or it could
///    copy protected content out. The firewall cannot say so (its background region lets
///    every master write ordinary DRAM), so the rule lives here, in the GPU model, in front of
///    the bus: every write's destination is checked first, and a destination any byte of which
///    the non-secure CPU could read is refused, recorded in the bus's fault log with source
///    ``protectedOutputSource`` and thrown as ``GPUFault/protectedOutput(_:)``. Real Mali
///    systems get the same effect from how the integrator wires the GPU's protected-mode
///    transactions; the model puts it where it can be tested.
///
/// Reads in protected mode are not restricted: protected work may read ordinary inputs.
///
/// The protected-mode identity is the GPU hardware's alone: its transactions take the bus's
/// privileged path (`@_spi(SecureWorld)`), which normal-world software does not have.
package struct GPUMemoryAccess {
    /// The fault source name for rule 2.
    static let protectedOutputSource = "mali-protected-output"

    let bus: Bus
    /// The GPU's recent translations (see ``GPUTranslationCache``).
    package let translations = GPUTranslationCache()

    package init(bus: Bus) {
        self.bus = bus
    }

    /// Performs `operation` in `space`; returns what a read saw.
    func perform(_ operation: GPUJobOperation, in space: GPUAddressSpace, protectedMode: Bool) throws(GPUFault) -> [UInt8]? {
        let master: BusMaster = protectedMode ? .gpuProtected : .gpu
        switch operation {
        case .read(let va, let size):
            let chunks = try translate(va, size, .read, space)
            return try busCall { () throws(AccessFault) in try PhysicalChunks.read(chunks, count: size, as: master, bus: bus, privileged: protectedMode) }
        case .write(let va, let bytes):
            let chunks = try translate(va, UInt64(bytes.count), .write, space)
            try checkOutput(chunks, protectedMode)
            _ = try busCall { () throws(AccessFault) in try PhysicalChunks.write(bytes, into: chunks, as: master, bus: bus, privileged: protectedMode) }
        case .fill(let va, let size, let byte):
            let chunks = try translate(va, size, .write, space)
            try checkOutput(chunks, protectedMode)
            try busCall { () throws(AccessFault) in try PhysicalChunks.fill(chunks, from: 0, with: byte, as: master, bus: bus, privileged: protectedMode) }
        case .copy(let from, let to, let size):
            let source = try translate(from, size, .read, space)
            let destination = try translate(to, size, .write, space)
            try checkOutput(destination, protectedMode)
            try busCall { () throws(AccessFault) in try copy(source, to: destination, size: size, as: master, privileged: protectedMode) }
        }
        return nil
    }

    /// Writes `record` at `va` of the MCU's space (the firmware saving its own state): the
    /// steps of a job's `write` (translation, the protected-output check, the bus write as the
    /// mode's master).
    func firmwareWrite(_ record: [UInt8], at va: GPUVirtualAddress, in mcu: GPUAddressSpace, protectedMode: Bool) throws(GPUFault) {
        let bytes = record.span.bytes
        let master: BusMaster = protectedMode ? .gpuProtected : .gpu
        let chunks = try translate(va, UInt64(bytes.byteCount), .write, mcu)
        try checkOutput(chunks, protectedMode)
        // One chunk holding the whole record (every save): the one piece the scatter walk
        // below would write, written directly.
        if let chunk = chunks.single, chunk.size >= UInt64(bytes.byteCount) {
            try busCall { () throws(AccessFault) in
                if protectedMode { try bus.privileged.write(master, at: chunk.base, from: bytes) } else { try bus.write(master, at: chunk.base, from: bytes) }
            }
            return
        }
        _ = try busCall { () throws(AccessFault) in try PhysicalChunks.write(record, into: chunks, as: master, bus: bus, privileged: protectedMode) }
    }

    private func translate(_ va: GPUVirtualAddress, _ size: UInt64, _ access: GPUAccessType, _ space: GPUAddressSpace) throws(GPUFault) -> PhysicalChunkList {
        guard let range = GPUVirtualRange(start: va, size: size) else {
            let fault = GPUTranslationFault(addressSpace: space.id, address: va, size: size, access: access, reason: .unmapped)
            space.faultLog.record(fault)
            throw .translation(fault)
        }
        do { return try translations.chunks(for: range, access: access, in: space) } catch { throw .translation(error) }
    }

    /// Rule 2: in protected mode, every byte of the destination must be protected memory,
    /// judged by the firewall's answer for the non-secure CPU, a page at a time.
    private func checkOutput(_ chunks: PhysicalChunkList, _ protectedMode: Bool) throws(GPUFault) {
        guard protectedMode else { return }
        // By index: a `for … in` iterator would retain its own copy of the list.
        var position = chunks.startIndex
        while position < chunks.endIndex {
            let chunk = chunks[position]
            position += 1
            var offset: UInt64 = 0
            while offset < chunk.size {
                let step = min(pageSize - (chunk.base.rawValue + offset) % pageSize, chunk.size - offset)
                let piece = PhysicalRange(base: PhysicalAddress(chunk.base.rawValue + offset), size: step)!
                if bus.permits(.cpuNonSecure, piece, .read) {
                    let total = chunks.totalSize
                    let fault = AccessFault(master: .gpuProtected, address: piece.base, size: total, kind: .write, source: Self.protectedOutputSource,
                                            reason: "a protected-mode write to \(piece), which is not protected memory (the non-secure CPU may read it)")
                    bus.faults.record(fault)
                    throw .protectedOutput(fault)
                }
                offset += step
            }
        }
    }

    private func copy(_ source: PhysicalChunkList, to destination: PhysicalChunkList, size: UInt64, as master: BusMaster, privileged: Bool) throws(AccessFault) {
        func copy(_ from: PhysicalAddress, _ to: PhysicalAddress, _ count: UInt64) throws(AccessFault) {
            if privileged { try bus.privileged.copy(master, from: from, to: to, count: count) } else { try bus.copy(master, from: from, to: to, count: count) }
        }
        // Each side one chunk holding the whole copy (nearly every copy): the walk below
        // would make exactly this one bus copy.
        if let from = source.single, let to = destination.single, from.size >= size, to.size >= size {
            if size > 0 { try copy(from.base, to.base, size) }
            return
        }
        var offset: UInt64 = 0
        while offset < size {
            let from = PhysicalChunks.firstPiece(source, offset: offset, count: size - offset)!
            let to = PhysicalChunks.firstPiece(destination, offset: offset, count: size - offset)!
            let step = min(from.size, to.size)
            try copy(from.base, to.base, step)
            offset += step
        }
    }

    private func busCall<T>(_ body: () throws(AccessFault) -> T) throws(GPUFault) -> T {
        do { return try body() } catch { throw .bus(error) }
    }
}
