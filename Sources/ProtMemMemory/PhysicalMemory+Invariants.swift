#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PhysicalMemory {
    /// Checks the bank table: at least one bank; each non-empty, on 4 KiB pages, below
    /// ``physicalAddressLimit``, after the one before it with a gap between (adjacent ranges
    /// were merged); ``maximumSize`` at most in all; and each bank's host mapping present, as
    /// long as the bank and mapped from its first page to its last (`mincore` answers for
    /// mapped memory only); and every resident page whose ``dirty`` bit is clear reads as
    /// zeros (a page the host does not back reads as zeros anyway), since the scrub skips
    /// those pages and the checks for leftovers read only the others.
    package func _checkInvariants() {
        precondition(!banks.isEmpty, "physical memory with no banks")
        precondition(banks.count == hostBanks.count, "physical memory has \(banks.count) banks but \(hostBanks.count) host mappings")
        var total: UInt64 = 0
        for index in banks.indices {
            let range = banks[index].range, host = hostBanks[index]
            precondition(host.base == range.base.rawValue && host.end == range.end, "bank \(index) \(range) is mapped as [\(host.base), \(host.end))")
            precondition(!range.isEmpty && range.isPageAligned, "bank \(index) \(range) is empty or not page-aligned")
            precondition(range.end <= Self.physicalAddressLimit, "bank \(index) \(range) \(Self.physicalAddressWidthLimitText)")
            if index > 0 {
                precondition(banks[index - 1].range.end < range.base.rawValue, "banks \(banks[index - 1].range) and \(range) are not sorted, disjoint and apart")
            }
            total += range.size
            precondition(UInt(bitPattern: host.storage) % UInt(pageSize) == 0, "bank \(index)'s mapping is not page-aligned")
            var resident: UInt8 = 0
            for page in [UInt64(0), range.size - pageSize] {
                #if os(Linux)
                let rc = mincore(host.storage + Int(page), Int(pageSize), &resident)
                #else
                let rc = withUnsafeMutablePointer(to: &resident) { $0.withMemoryRebound(to: CChar.self, capacity: 1) { mincore(host.storage + Int(page), Int(pageSize), $0) } }
                #endif
                precondition(rc == 0, "bank \(index) \(range) is not mapped at offset \(page) (mincore errno \(errno))")
            }
        }
        precondition(total <= Self.maximumSize, "\(total) bytes of DRAM \(Self.maximumSizeText)")
        precondition(dirty.count == (hostBanks.reduce(0) { $0 + Int(($1.end - $1.base) / pageSize) } + 63) / 64, "the dirty-page map does not cover the banks")
        let zeros = [UInt8](repeating: 0, count: Int(pageSize))
        for host in hostBanks {
            let pages = Int((host.end - host.base) / pageSize)
            var vector = [UInt8](repeating: 0, count: pages)
            #if os(Linux)
            let rc = vector.withUnsafeMutableBufferPointer { mincore(host.storage, pages * Int(pageSize), $0.baseAddress) }
            #else
            let rc = vector.withUnsafeMutableBufferPointer { $0.withMemoryRebound(to: CChar.self) { mincore(host.storage, pages * Int(pageSize), $0.baseAddress) } }
            #endif
            precondition(rc == 0, "mincore of the bank at \(host.base) failed (errno \(errno))")
            for page in 0..<pages where vector[page] & 1 != 0 {
                let bit = host.firstPage + page
                guard dirty.loadRelaxed(bit / 64) & (UInt64(1) << UInt64(bit % 64)) == 0 else { continue }
                let clean = zeros.withUnsafeBytes { memcmp(host.storage + page * Int(pageSize), $0.baseAddress!, Int(pageSize)) == 0 }
                precondition(clean, "page \(host.base + UInt64(page) * pageSize) is marked clean but holds data")
            }
        }
    }
}
