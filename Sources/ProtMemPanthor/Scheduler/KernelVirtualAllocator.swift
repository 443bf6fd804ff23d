/// `PANTHOR_VM_KERNEL_AUTO_VA` for the MCU's VM: first-fit placement of kernel BOs (queue
/// interfaces, suspend buffers) in the window after the shared section, which panthor reserves
/// for kernel allocations (`CSF_MCU_SHARED_REGION_START` + `CSF_MCU_SHARED_REGION_SIZE`).
struct KernelVirtualAllocator {
    let window: Range<UInt64>
    /// Allocated ranges, sorted by start.
    private(set) var used: [Range<UInt64>] = []

    init(window: Range<UInt64>) {
        self.window = window
    }

    /// The lowest free page-aligned range of `size` bytes, now taken; `nil` when none fits.
    mutating func allocate(_ size: UInt64) -> GPUVirtualRange? {
        guard size > 0, size % GPUAddressSpaceLayout.pageSize == 0 else { return nil }
        var cursor = window.lowerBound
        var index = 0
        while cursor + size <= window.upperBound {
            if index < used.count, used[index].lowerBound < cursor + size {
                cursor = max(cursor, used[index].upperBound)
                index += 1
                continue
            }
            used.insert(cursor..<(cursor + size), at: index)
            return GPUVirtualRange(start: GPUVirtualAddress(cursor), size: size)
        }
        return nil
    }

    mutating func free(_ range: GPUVirtualRange) {
        used.removeAll { $0.lowerBound == range.start.rawValue }
    }
}
