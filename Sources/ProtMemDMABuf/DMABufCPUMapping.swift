import ProtMemMemory
import Synchronization

/// A CPU view of a buffer: a userspace `mmap` or a kernel `vmap`.
///
/// Every load and store goes over the bus as the normal-world CPU, so a mapping of memory
/// the firewall protects faults exactly as a real CPU access would. A private mapping keeps
/// the pages it writes to itself (copy on write), as `MAP_PRIVATE` does.
public final class DMABufCPUMapping: Sendable {
    public enum Kind: Sendable, Hashable {
        case mmap(shared: Bool)
        case vmap
    }

    public let buffer: DMABuf
    public let kind: Kind
    public let protection: MappingProtection
    /// The physical pieces behind the mapping, in order.
    public let segments: [PhysicalRange]
    public let length: UInt64

    private struct State {
        var unmapped = false
        /// Pages a private mapping has copied, by page index within the mapping.
        var privatePages: [UInt64: [UInt8]] = [:]
    }

    private let state = Mutex(State())

    init(buffer: DMABuf, kind: Kind, protection: MappingProtection, segments: [PhysicalRange]) {
        self.buffer = buffer
        self.kind = kind
        self.protection = protection
        self.segments = segments
        self.length = segments.reduce(0) { $0 + $1.size }
    }

    /// Why a CPU access through a mapping failed.
    public enum AccessError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The mapping is gone (`SIGSEGV` in a process).
        case unmapped
        /// The window runs outside the mapping (`SIGBUS`/`SIGSEGV`).
        case outOfBounds(offset: UInt64, count: UInt64, length: UInt64)
        /// A store to a read-only mapping (`SIGSEGV`).
        case readOnly
        /// The bus refused the access.
        case fault(AccessFault)

        public var description: String {
            switch self {
            case .unmapped: "the mapping was unmapped"
            case .outOfBounds(let o, let c, let l): "bytes \(o)..<\(o + c) lie outside the \(l)-byte mapping"
            case .readOnly: "store to a read-only mapping"
            case .fault(let f): f.description
            }
        }
    }

    private var isPrivate: Bool { kind == .mmap(shared: false) }

    /// Loads `count` bytes at `offset` into the mapping.
    public func read(at offset: UInt64, count: UInt64) throws(AccessError) -> [UInt8] {
        var result = try readThroughBus(at: offset, count: count)
        if isPrivate {
            let overlay = state.withLock { $0.privatePages }
            if !overlay.isEmpty { apply(overlay, to: &result, offset: offset) }
        }
        return result
    }

    private func readThroughBus(at offset: UInt64, count: UInt64) throws(AccessError) -> [UInt8] {
        let pieces = try window(offset, count)
        if pieces.count == 1 {
            do { return try buffer.list.bus.read(.cpuNonSecure, pieces[0].range) } catch { throw .fault(error) }
        }
        var result = [UInt8]()
        result.reserveCapacity(Int(count))
        for piece in pieces {
            do {
                result += try buffer.list.bus.read(.cpuNonSecure, piece.range)
            } catch {
                throw .fault(error)
            }
        }
        return result
    }

    /// Stores `bytes` at `offset` into the mapping.
    public func write(at offset: UInt64, bytes: [UInt8]) throws(AccessError) {
        guard protection == .readWrite else { throw .readOnly }
        let pieces = try window(offset, UInt64(bytes.count))
        if isPrivate {
            try writePrivate(at: offset, bytes: bytes)
            return
        }
        let raw = bytes.span.bytes
        var consumed = 0
        for piece in pieces {
            let count = Int(piece.range.size)
            do {
                try buffer.list.bus.write(.cpuNonSecure, at: piece.range.base, from: raw.extracting(consumed..<(consumed + count)))
            } catch {
                throw .fault(error)
            }
            consumed += count
        }
    }

    /// `munmap` / `dma_buf_vunmap`: drops the mapping's reference.
    public func unmap() throws(Errno) {
        let already = state.withLock { state in
            defer { state.unmapped = true }
            return state.unmapped
        }
        guard !already else { throw .invalidArgument }
        try buffer.unmapCPU(self)
    }

    public var isUnmapped: Bool { state.withLock { $0.unmapped } }

    // MARK: Helpers

    private func window(_ offset: UInt64, _ count: UInt64) throws(AccessError) -> [(range: PhysicalRange, offset: UInt64)] {
        guard !isUnmapped else { throw .unmapped }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= length else { throw .outOfBounds(offset: offset, count: count, length: length) }
        var result: [(PhysicalRange, UInt64)] = []
        var cursor: UInt64 = 0
        for segment in segments {
            let segmentEnd = cursor + segment.size
            defer { cursor = segmentEnd }
            guard segmentEnd > offset else { continue }
            guard cursor < end else { break }
            let lo = max(offset, cursor)
            let hi = min(end, segmentEnd)
            result.append((PhysicalRange(base: PhysicalAddress(segment.base.rawValue + (lo - cursor)), size: hi - lo)!, lo))
        }
        return result
    }

    private func apply(_ overlay: [UInt64: [UInt8]], to bytes: inout [UInt8], offset: UInt64) {
        let end = offset + UInt64(bytes.count)
        for (page, content) in overlay {
            let pageStart = page << pageShift
            let lo = max(pageStart, offset)
            let hi = min(pageStart + pageSize, end)
            guard lo < hi else { continue }
            bytes.replaceSubrange(Int(lo - offset)..<Int(hi - offset), with: content[Int(lo - pageStart)..<Int(hi - pageStart)])
        }
    }

    private func writePrivate(at offset: UInt64, bytes: [UInt8]) throws(AccessError) {
        guard !bytes.isEmpty else { return }
        let firstPage = offset >> pageShift
        let lastPage = (offset + UInt64(bytes.count) - 1) >> pageShift
        for page in firstPage...lastPage where state.withLock({ $0.privatePages[page] == nil }) {
            // Copy on write: the first store to a page copies it from the buffer, through the bus.
            let pageStart = page << pageShift
            var copy = try readThroughBus(at: pageStart, count: min(pageSize, length - pageStart))
            copy += [UInt8](repeating: 0, count: Int(pageSize) - copy.count)
            state.withLock { state in
                if state.privatePages[page] == nil { state.privatePages[page] = copy }
            }
        }
        state.withLock { state in
            var position = offset
            var consumed = 0
            while consumed < bytes.count {
                let page = position >> pageShift
                let inPage = Int(position & (pageSize - 1))
                let chunk = min(Int(pageSize) - inPage, bytes.count - consumed)
                state.privatePages[page]!.replaceSubrange(inPage..<(inPage + chunk), with: bytes[consumed..<(consumed + chunk)])
                consumed += chunk
                position += UInt64(chunk)
            }
        }
    }
}
