/// Reads the memory reservation block: 16-byte `(address, size)` pairs.
///
/// The list ends at the first entry whose size is 0, which is how both libfdt
/// (`fdt_num_mem_rsv`) and dtc (`flat_read_mem_reserve`) read it; a writer
/// emits `(0, 0)` there. A terminator that never comes before `totalsize` is
/// an error, so the loop is bounded by the blob.
enum FDTMemoryReservationReader {
    static let entrySize = 16

    /// Returns the entries and the block's extent, terminator included.
    static func read(
        from bytes: FDTBytes, header: FDTHeader
    ) throws(DeviceTreeError) -> (entries: [MemoryReservation], extent: Range<Int>) {
        let start = Int(header.memoryReservationOffset)
        let limit = Int(header.totalSize)
        var entries: [MemoryReservation] = []
        var offset = start
        while true {
            guard let address = bytes.u64(at: offset, limit: limit),
                  let size = bytes.u64(at: offset + 8, limit: limit)
            else {
                throw DeviceTreeError(
                    offset: offset,
                    expected: "16-byte memory reservation entry or (0, 0) terminator before totalsize \(DeviceTreeError.hex(limit))",
                    found: "end of blob")
            }
            offset += entrySize
            if size == 0 { break }
            entries.append(MemoryReservation(address: address, size: size))
        }
        return (entries, start..<offset)
    }
}
