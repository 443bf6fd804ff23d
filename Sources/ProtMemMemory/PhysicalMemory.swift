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
/// copy on the bus keeps pace with a raw one. A bit a page (``dirty``) says whether the page
/// may hold a byte that is not zero: every write sets it, after writing. A zero fill (the
/// secure world's scrub) `memset`s only the pages whose bit is set, in runs, and clears the
/// bit of each whole page before zeroing it: it runs at `memset`'s speed over what was
/// written, costs nothing over memory never written (which stays unbacked), and leaves the
/// zeroed pages mapped, so their next writer does not fault each one back in as it would
/// after `MADV_DONTNEED`.
///
/// Nothing outside this module reaches these bytes except through ``Bus``: the access
/// operations below are `package`-level, used by the bus after it has checked a transaction;
/// the one exception, ``withSurroundings(of:margin:_:)``, is the secure world's and the
/// oracle's (`@_spi(SecureWorld)`), for the invariant checker to look around a transaction.
///
/// This is one of the few storage types that hold unsafe code (see the README), and the only
/// one that touches host memory: the banks are `mmap`ed memory, reached through raw pointers,
/// since no Swift collection can be a 16 GiB sparse mapping. Every operation takes a physical
/// range and checks, with `precondition` (in release builds too), that one bank holds all of
/// it before a byte moves, so no caller can reach outside a mapping; what the bus lends out
/// is a `RawSpan` or `MutableRawSpan` of exactly the range, valid only inside the closure.
///
/// Invariants (``_checkInvariants()``): the banks are non-empty, page-aligned, sorted,
/// disjoint and not adjacent (adjacent ranges were merged), below ``physicalAddressLimit``
/// and at most ``maximumSize`` in all; each has its own host mapping of its size, which the
/// host reports as mapped; every page whose ``dirty`` bit is clear reads as zeros.
///
/// Thread-safety: the bank table never changes after `init`. Concurrent transactions to the
/// same bytes race exactly as they would on hardware; the model does not serialise them.
public final class PhysicalMemory: @unchecked Sendable {
    /// One contiguous bank of DRAM.
    public struct Bank: Sendable {
        public let range: PhysicalRange
    }

    /// A bank with its host mapping: what every operation's address decode walks.
    @usableFromInline struct HostBank {
        @usableFromInline let base: UInt64
        @usableFromInline let end: UInt64
        @usableFromInline let storage: UnsafeMutableRawPointer
        /// The bank's first page's bit in ``PhysicalMemory/dirty``.
        @usableFromInline let firstPage: Int

        @inlinable @inline(__always)
        func holds(_ range: PhysicalRange) -> Bool {
            base <= range.base.rawValue && range.end <= end
        }
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
    /// The banks with their host mappings, in the same order.
    @usableFromInline let hostBanks: [HostBank]
    /// A bit a page of every bank (bank by bank, from ``HostBank/firstPage``), set while the
    /// page may hold a byte that is not zero. Atomic, since transactions on two threads may
    /// write two pages of one word at once.
    let dirty: AtomicWordArray

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
        var hostBanks: [HostBank] = []
        var pages = 0
        for range in merged {
            guard let storage = Self.reserve(range.size) else {
                let code = errno
                for bank in hostBanks { Self.release(bank) }
                throw .hostRefused(range, errno: code)
            }
            hostBanks.append(HostBank(base: range.base.rawValue, end: range.end, storage: storage, firstPage: pages))
            pages += Int(range.size / pageSize)
        }
        self.banks = merged.map(Bank.init(range:))
        self.hostBanks = hostBanks
        self.dirty = AtomicWordArray(count: (pages + 63) / 64)
    }

    deinit {
        for bank in hostBanks { Self.release(bank) }
    }

    /// The index of the bank that holds all of `range`, or `nil` (a decode error on the
    /// interconnect).
    @inlinable @inline(__always)
    func bankIndex(for range: PhysicalRange) -> Int? {
        for index in hostBanks.indices where hostBanks[index].holds(range) { return index }
        return nil
    }

    /// The host address of `range`'s first byte; traps unless one bank holds all of `range`.
    @inlinable @inline(__always)
    func host(_ range: PhysicalRange) -> UnsafeMutableRawPointer {
        guard let index = bankIndex(for: range) else { preconditionFailure("\(range) does not lie in one DRAM bank") }
        return hostBanks[index].storage + Int(range.base.rawValue - hostBanks[index].base)
    }

    /// Whether every byte of `range` is backed by DRAM, in one bank.
    @inlinable @inline(__always)
    public func contains(_ range: PhysicalRange) -> Bool {
        bankIndex(for: range) != nil
    }

    // MARK: Access (the bus's, after it has admitted a transaction)

    /// Copies the bytes of `range` into `destination`, which must be exactly as long.
    package func copy(_ range: PhysicalRange, into destination: inout MutableRawSpan) {
        precondition(UInt64(destination.byteCount) == range.size, "a \(destination.byteCount)-byte buffer for the \(range.size) bytes of \(range)")
        guard range.size > 0 else { return }
        let source = host(range)
        destination.withUnsafeMutableBytes { _ = memcpy($0.baseAddress!, source, $0.count) }
    }

    /// The bytes of `range`, copied out.
    package func bytes(_ range: PhysicalRange) -> [UInt8] {
        let count = Int(range.size)
        guard count > 0 else { return [] }
        let source = host(range)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            memcpy(buffer.baseAddress!, source, count)
            initialized = count
        }
    }

    /// Copies `source` into DRAM at `address`, all of it inside one bank.
    package func copy(from source: RawSpan, to address: PhysicalAddress) {
        guard source.byteCount > 0 else { return }
        guard let range = PhysicalRange(base: address, size: UInt64(source.byteCount)) else { preconditionFailure("\(source.byteCount) bytes at \(address) wrap past 2^64") }
        let destination = host(range)
        source.withUnsafeBytes { _ = memcpy(destination, $0.baseAddress!, $0.count) }
        markDirty(range)
    }

    /// Copies `count` bytes from `source` to `destination` as `memmove` does (the ranges may
    /// overlap); each range inside one bank.
    package func move(from source: PhysicalAddress, to destination: PhysicalAddress, count: UInt64) {
        guard count > 0 else { return }
        guard let from = PhysicalRange(base: source, size: count), let to = PhysicalRange(base: destination, size: count) else {
            preconditionFailure("a \(count)-byte move from \(source) to \(destination) wraps past 2^64")
        }
        memmove(host(to), host(from), Int(count))
        markDirty(to)
    }

    /// Lends the bytes of `range` to `body`, read-only and in place.
    @inlinable
    package func withBytes<Result, E: Error>(_ range: PhysicalRange, _ body: (RawSpan) throws(E) -> Result) throws(E) -> Result {
        guard range.size > 0 else { return try body(RawSpan()) }
        let span = RawSpan(_unsafeStart: UnsafeRawPointer(host(range)), byteCount: Int(range.size))
        return try body(span)
    }

    /// Lends the bytes of `range` to `body` to write in place.
    @inlinable
    package func withMutableBytes<Result, E: Error>(_ range: PhysicalRange, _ body: (inout MutableRawSpan) throws(E) -> Result) throws(E) -> Result {
        guard range.size > 0 else {
            var empty = MutableRawSpan()
            return try body(&empty)
        }
        var span = MutableRawSpan(_unsafeStart: host(range), byteCount: Int(range.size))
        defer { markDirty(range) }
        return try body(&span)
    }

    /// The DRAM around `range`, in place and read-only, lent to `body` with the address of
    /// its first byte: from up to `margin` bytes before `range` to up to `margin` bytes after,
    /// as far as the bank holding `range` reaches; `nil` (and `body` not called) when no one
    /// bank holds `range`. For an observer that must look past a transaction's ends without a
    /// transaction of its own (the invariant checker, for protected content split across
    /// transactions), which would tell it again. The secure world's and the oracle's only, as
    /// an observer is: it reads DRAM past every filter.
    @_spi(SecureWorld) @inlinable @inline(__always)
    public func withSurroundings<Result>(of range: PhysicalRange, margin: UInt64, _ body: (PhysicalAddress, RawSpan) -> Result) -> Result? {
        guard let index = bankIndex(for: range) else { return nil }
        let bank = hostBanks[index]
        let lo = max(bank.base, range.base.rawValue - min(margin, range.base.rawValue))
        let (after, wraps) = range.end.addingReportingOverflow(margin)
        let hi = wraps ? bank.end : min(bank.end, after)
        let span = RawSpan(_unsafeStart: UnsafeRawPointer(bank.storage + Int(lo - bank.base)), byteCount: Int(hi - lo))
        return body(PhysicalAddress(lo), span)
    }

    /// Fills `range` (inside one bank) with `byte`. A zero fill writes only the pages that
    /// may hold something (``dirty``), a `memset` a run of them, and marks each whole page it
    /// zeroes clean before zeroing it (so a write racing with it leaves its page marked);
    /// pages never written are left alone, unbacked.
    package func fill(_ range: PhysicalRange, with byte: UInt8) {
        guard range.size > 0 else { return }
        guard byte == 0 else {
            memset(host(range), Int32(byte), Int(range.size))
            markDirty(range)
            return
        }
        let bank = hostBanks[bankIndex(for: range)!]
        let offset = range.base.rawValue - bank.base
        let first = bank.firstPage + Int(offset / pageSize)
        let last = bank.firstPage + Int((offset + range.size - 1) / pageSize)
        // Whole pages, which the fill may mark clean: the first and last may be partial.
        let firstWhole = offset % pageSize == 0 ? first : first + 1
        let lastWhole = (offset + range.size) % pageSize == 0 ? last : last - 1
        var run: (start: Int, end: Int)?
        func flush(_ run: (start: Int, end: Int)) {
            let lo = max(range.base.rawValue, bank.base + UInt64(run.start - bank.firstPage) * pageSize)
            let hi = min(range.end, bank.base + UInt64(run.end - bank.firstPage) * pageSize)
            memset(bank.storage + Int(lo - bank.base), 0, Int(hi - lo))
        }
        for word in first / 64...last / 64 {
            var bits = dirty.loadRelaxed(word) & Self.pageMask(first, through: last, inWord: word)
            guard bits != 0 else { continue }
            let whole = bits & Self.pageMask(firstWhole, through: lastWhole, inWord: word)
            if whole != 0 { dirty.clearBitsRelaxed(whole, at: word) }
            while bits != 0 {
                let low = bits.trailingZeroBitCount
                let length = (~(bits >> UInt64(low))).trailingZeroBitCount
                let start = word * 64 + low, end = start + length
                if let open = run, open.end == start {
                    run = (open.start, end)
                } else {
                    if let open = run { flush(open) }
                    run = (start, end)
                }
                bits = low + length >= 64 ? 0 : bits & ~((UInt64(1) << UInt64(low + length)) - 1)
            }
        }
        if let open = run { flush(open) }
    }

    /// Marks the pages `range` (inside one bank) touches as possibly holding data: after
    /// every write, and only where a bit is not already set (a store is dearer than a load).
    @usableFromInline
    func markDirty(_ range: PhysicalRange) {
        guard range.size > 0, let index = bankIndex(for: range) else { return }
        let bank = hostBanks[index]
        let offset = range.base.rawValue - bank.base
        let first = bank.firstPage + Int(offset / pageSize)
        let last = bank.firstPage + Int((offset + range.size - 1) / pageSize)
        for word in first / 64...last / 64 {
            let mask = Self.pageMask(first, through: last, inWord: word)
            if dirty.loadRelaxed(word) & mask != mask { dirty.setBitsRelaxed(mask, at: word) }
        }
    }

    /// The bits of word `word` of ``dirty`` for pages `first` through `last` (none when
    /// `last < first`).
    @inline(__always)
    static func pageMask(_ first: Int, through last: Int, inWord word: Int) -> UInt64 {
        let lo = max(first, word * 64), hi = min(last, word * 64 + 63)
        guard lo <= hi else { return 0 }
        let count = hi - lo + 1
        return (count == 64 ? ~UInt64(0) : (UInt64(1) << UInt64(count)) - 1) << UInt64(lo - word * 64)
    }

    /// How many pages of `range` (all of DRAM when `nil`) may hold a byte that is not zero:
    /// written since they were last zeroed whole. Every other page reads as zeros, so a check
    /// for leftovers need read only these.
    public func dirtyPageCount(in range: PhysicalRange? = nil) -> Int {
        var total = 0
        for bank in hostBanks {
            let lo = max(range?.base.rawValue ?? bank.base, bank.base), hi = min(range?.end ?? bank.end, bank.end)
            guard lo < hi else { continue }
            let first = bank.firstPage + Int((lo - bank.base) / pageSize)
            let last = bank.firstPage + Int((hi - 1 - bank.base) / pageSize)
            for word in first / 64...last / 64 {
                total += (dirty.loadRelaxed(word) & Self.pageMask(first, through: last, inWord: word)).nonzeroBitCount
            }
        }
        return total
    }

    /// Pages of `range` the host currently backs with memory of its own (`mincore`); for
    /// tests and reports of how sparse a run stayed.
    public func residentPageCount(in range: PhysicalRange? = nil) -> Int {
        var total = 0
        for bank in hostBanks {
            let window: PhysicalRange
            if let range {
                let lo = max(range.base.rawValue, bank.base)
                let hi = min(range.end, bank.end)
                guard lo < hi, let w = PhysicalRange(base: PhysicalAddress(lo & ~(pageSize - 1)), size: hi - (lo & ~(pageSize - 1))) else { continue }
                window = w
            } else {
                window = PhysicalRange(base: PhysicalAddress(bank.base), size: bank.end - bank.base)!
            }
            let offset = Int(window.base.rawValue - bank.base)
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

    private static func release(_ bank: HostBank) {
        munmap(bank.storage, Int(bank.end - bank.base))
    }
}
