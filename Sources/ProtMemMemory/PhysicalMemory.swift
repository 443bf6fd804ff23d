#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The DRAM of a board: one or more banks of real bytes at physical addresses.
///
/// Each bank is one anonymous private mapping reserved without swap accounting, so the host
/// backs only the pages that are written: a 16 GiB board costs what its workload touches.
/// Bulk copies run as single `memcpy`/`memmove` calls over a bank, which is why a checked
/// copy on the bus keeps pace with a raw one. Zeroing whole pages hands them back to the
/// host (`MADV_DONTNEED`), so scrubbing also keeps the board sparse.
///
/// Nothing outside this module reaches these bytes except through ``Bus``: the raw access
/// below is `package`-level, used by the bus after it has checked a transaction.
///
/// Thread-safety: the bank table never changes after `init`. Concurrent transactions to the
/// same bytes race exactly as they would on hardware; the model does not serialise them.
public final class PhysicalMemory: @unchecked Sendable {
    /// One contiguous bank of DRAM.
    public struct Bank: @unchecked Sendable {
        public let range: PhysicalRange
        @usableFromInline let storage: UnsafeMutableRawPointer
    }

    /// Why a set of DRAM ranges cannot become a memory.
    public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
        case empty
        case notPageAligned(PhysicalRange)
        case overlapping(PhysicalRange, PhysicalRange)
        /// A range that reaches past ``physicalAddressLimit``.
        case beyondPhysicalAddressWidth(PhysicalRange)
        /// More DRAM in all than ``maximumSize``: the total.
        case tooLarge(UInt64)
        case hostRefused(PhysicalRange, errno: Int32)

        public var description: String {
            switch self {
            case .empty: "no DRAM ranges given"
            case .notPageAligned(let r): "DRAM range \(r) is not aligned to 4 KiB pages"
            case .overlapping(let a, let b): "DRAM ranges \(a) and \(b) overlap"
            case .beyondPhysicalAddressWidth(let r): "DRAM range \(r) \(PhysicalMemory.physicalAddressWidthLimitText)"
            case .tooLarge(let total): "\(total) bytes of DRAM \(PhysicalMemory.maximumSizeText)"
            case .hostRefused(let r, let e): "the host refused to reserve \(r.size) bytes for DRAM range \(r) (errno \(e))"
            }
        }
    }

    /// One past the highest physical address any arm64 system decodes: 2^52, the widest
    /// `PHYS_MASK_SHIFT` (`CONFIG_ARM64_PA_BITS_52`, FEAT_LPA/LPA2). Memory above it is
    /// not memory a kernel could ever use (`memblock_add` of it fails the
    /// `PHYS_MASK` check), so a range reaching past it is refused rather than reserved.
    public static let physicalAddressLimit: UInt64 = 1 << 52
    /// The most DRAM one board may have, 1 TiB: the model's own limit, not the kernel's. Every
    /// byte is a host reservation, and the page allocator keeps a bit per page and a free
    /// block per 4 MiB, so this bounds what a board costs before anything runs (32 MiB of
    /// bitmap, a second to carve the free lists).
    public static let maximumSize: UInt64 = 1 << 40
    /// How the two limits read in an error, after the thing that breaks them.
    public static let physicalAddressWidthLimitText =
        "reaches past 0xfffffffffffff, the top of arm64's widest (52-bit) physical address space (PHYS_MASK_SHIFT)"
    public static let maximumSizeText = "is more than the 1 TiB a board may have in the model"

    public let banks: [Bank]
    /// The banks again, in memory of their own that never changes: what every transaction's
    /// address decode walks, without retaining an array or checking bounds.
    @usableFromInline let bankTable: UnsafeMutableBufferPointer<Bank>

    /// Total DRAM in bytes.
    public var size: UInt64 { banks.reduce(0) { $0 + $1.range.size } }

    /// Adjacent ranges are merged into one bank, so an access may run across them as it would
    /// across two DIMMs that decode back to back.
    public init(ranges: [PhysicalRange]) throws(ConfigurationError) {
        guard !ranges.isEmpty else { throw .empty }
        let sorted = ranges.filter { !$0.isEmpty }.sorted { $0.base < $1.base }
        guard !sorted.isEmpty else { throw .empty }
        var merged: [PhysicalRange] = []
        var total: UInt64 = 0
        for range in sorted {
            guard range.isPageAligned else { throw .notPageAligned(range) }
            guard range.end <= Self.physicalAddressLimit else { throw .beyondPhysicalAddressWidth(range) }
            // Cannot overflow: each range lies below 2^52 and the total is checked after each.
            total += range.size
            guard total <= Self.maximumSize else { throw .tooLarge(total) }
            if let last = merged.last {
                if last.overlaps(range) { throw .overlapping(last, range) }
                if last.end == range.base.rawValue {
                    // Cannot wrap: `range` ends at a representable address.
                    merged[merged.count - 1] = PhysicalRange(base: last.base, size: last.size + range.size)!
                    continue
                }
            }
            merged.append(range)
        }
        var banks: [Bank] = []
        for range in merged {
            guard let storage = Self.reserve(range.size) else {
                let code = errno
                for bank in banks { Self.release(bank) }
                throw .hostRefused(range, errno: code)
            }
            banks.append(Bank(range: range, storage: storage))
        }
        self.banks = banks
        self.bankTable = .allocate(capacity: banks.count)
        _ = bankTable.initialize(from: banks)
    }

    deinit {
        for bank in banks { Self.release(bank) }
        bankTable.deallocate()
    }

    /// The host pointer for `range` when it lies wholly in one bank, else `nil` (a decode
    /// error on the interconnect).
    @inlinable @inline(__always)
    package func hostPointer(for range: PhysicalRange) -> UnsafeMutableRawPointer? {
        for index in 0..<bankTable.count where bankTable[index].range.contains(range) {
            return bankTable[index].storage + Int(range.base.rawValue - bankTable[index].range.base.rawValue)
        }
        return nil
    }

    /// The DRAM around `range`, in place and read-only: from up to `margin` bytes before it to
    /// up to `margin` bytes after, as far as the bank holding `range` reaches, with the
    /// address of the first byte; `nil` when no one bank holds `range`. For an observer that
    /// must look past a transaction's ends without a transaction of its own (the invariant
    /// checker, for protected content split across transactions), which would tell it again.
    @inlinable @inline(__always)
    package func surroundings(of range: PhysicalRange, margin: UInt64) -> (base: PhysicalAddress, bytes: UnsafeRawBufferPointer)? {
        for index in 0..<bankTable.count where bankTable[index].range.contains(range) {
            let bank = bankTable[index].range
            let lo = max(bank.base.rawValue, range.base.rawValue - min(margin, range.base.rawValue))
            let (after, wraps) = range.end.addingReportingOverflow(margin)
            let hi = wraps ? bank.end : min(bank.end, after)
            let start = bankTable[index].storage + Int(lo - bank.base.rawValue)
            return (PhysicalAddress(lo), UnsafeRawBufferPointer(start: start, count: Int(hi - lo)))
        }
        return nil
    }

    /// Whether every byte of `range` is backed by DRAM.
    public func contains(_ range: PhysicalRange) -> Bool {
        banks.contains { $0.range.contains(range) }
    }

    /// Zeroes `range` (already known to be inside one bank): partial pages with `memset`,
    /// whole pages by handing them back to the host, which reads them as zero again.
    package func zero(_ pointer: UnsafeMutableRawPointer, count: Int) {
        let start = UInt(bitPattern: pointer)
        let mask = UInt(pageSize - 1)
        let firstWhole = (start + mask) & ~mask
        let endAddress = start + UInt(count)
        let lastWhole = endAddress & ~mask
        #if os(Linux)
        if lastWhole > firstWhole, lastWhole - firstWhole >= UInt(pageSize) * 16 {
            memset(pointer, 0, Int(firstWhole - start))
            if madvise(UnsafeMutableRawPointer(bitPattern: firstWhole), Int(lastWhole - firstWhole), MADV_DONTNEED) == 0 {
                memset(UnsafeMutableRawPointer(bitPattern: lastWhole)!, 0, Int(endAddress - lastWhole))
                return
            }
        }
        #endif
        memset(pointer, 0, count)
    }

    /// Pages of `range` the host currently backs with memory of its own (`mincore`); for
    /// tests and reports of how sparse a run stayed.
    public func residentPageCount(in range: PhysicalRange? = nil) -> Int {
        var total = 0
        for bank in banks {
            let window: PhysicalRange
            if let range {
                let lo = max(range.base.rawValue, bank.range.base.rawValue)
                let hi = min(range.end, bank.range.end)
                guard lo < hi, let w = PhysicalRange(base: PhysicalAddress(lo & ~(pageSize - 1)), size: hi - (lo & ~(pageSize - 1))) else { continue }
                window = w
            } else {
                window = bank.range
            }
            let offset = Int(window.base.rawValue - bank.range.base.rawValue)
            let pages = Int((window.size + pageSize - 1) / pageSize)
            var vector = [UInt8](repeating: 0, count: pages)
            #if os(Linux)
            let rc = vector.withUnsafeMutableBufferPointer { mincore(bank.storage + offset, pages * Int(pageSize), $0.baseAddress) }
            #else
            let rc = vector.withUnsafeMutableBufferPointer {
                $0.withMemoryRebound(to: CChar.self) { mincore(bank.storage + offset, pages * Int(pageSize), $0.baseAddress) }
            }
            #endif
            guard rc == 0 else { continue }
            total += vector.reduce(0) { $0 + Int($1 & 1) }
        }
        return total
    }

    private static func reserve(_ size: UInt64) -> UnsafeMutableRawPointer? {
        guard size <= UInt64(Int.max) else { return nil }
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        #else
        let flags = MAP_PRIVATE | MAP_ANON
        #endif
        let pointer = mmap(nil, Int(size), PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { return nil }
        return pointer
    }

    private static func release(_ bank: Bank) {
        munmap(bank.storage, Int(bank.range.size))
    }
}
