import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// The oracle tried as a hostile reviewer would: a grant on one page must hide nothing on
/// another, one page opened inside a large protected buffer must be seen, and protected
/// content split across transactions must be recognised, read or written.
@Suite struct InvariantCheckerOracleTests {
    /// A checker watching `board` for the length of `body`.
    func watching(_ board: Board, _ body: (InvariantChecker) throws -> Void) rethrows {
        let checker = InvariantChecker(board: board)
        checker.install()
        defer { checker.uninstall() }
        try body(checker)
    }

    /// Violations `body` adds.
    func added(_ checker: InvariantChecker, _ body: () throws -> Void) rethrows -> [InvariantViolation] {
        let before = checker.contentViolations.count
        try body()
        return Array(checker.contentViolations.dropFirst(before))
    }

    func at(_ range: PhysicalRange, _ offset: UInt64) -> PhysicalAddress { PhysicalAddress(range.base.rawValue + offset) }

    // MARK: Entitlement by page and by record

    /// A record that grants the CPU read on page A says nothing about protected content on
    /// page B.
    @Test func aGrantOnOnePageHidesNoReadOfAnother() throws {
        try withLeakCheckedBoard { board in
            try watching(board) { checker in
                let pages = try #require(board.pageAllocator.allocateZeroed(order: 1))
                let pageA = PhysicalRange(base: pages.base, size: pageSize)!
                let pageB = PhysicalRange(base: at(pages, pageSize), size: pageSize)!
                let grant = try board.secureMonitor.protect(pageA, readers: [.cpuNonSecure], writers: [], owner: "test", reason: "grant the CPU page A")
                try board.bus.privileged.write(.cpuSecure, at: pageB.base, bytes: ContentMarker.bytes(id: 21))
                let leaks = try added(checker) { _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: pageB.base, size: 64)!) }
                #expect(leaks.count == 1 && leaks.first?.kind == .leak && leaks.first?.detail.contains("#21") == true, "\(leaks)")
                // On page A, which the record covers, the same content is the CPU's to read.
                try board.bus.privileged.write(.cpuSecure, at: pageA.base, bytes: ContentMarker.bytes(id: 22))
                #expect(try added(checker) { _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: pageA.base, size: 64)!) }.isEmpty)
                #expect(board.secureMonitor.unprotect(grant))
                try board.bus.privileged.fill(.cpuSecure, pages, with: 0)
                try board.pageAllocator.free(pages)
            }
        }
    }

    /// A hypervisor lend grants its endpoint's masters the lent pages only: the display, a
    /// reader of the lend, reading protected content in ordinary memory is a leak.
    @Test func aLendGrantsOnlyTheLentPages() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            try watching(board) { checker in
                let heap = try #require(board.heaps.find("protected,secure-video"))
                defer { board.heaps.put(heap) }
                let buffer = try board.heaps.allocate(heap, length: 4 * pageSize, fdFlags: .readWrite)
                let lent = try #require(buffer.exporter.backing?.entries.first?.range)
                try board.bus.write(.codec, at: lent.base, bytes: ContentMarker.bytes(id: 31))
                #expect(try added(checker) { _ = try board.bus.read(.display, PhysicalRange(base: lent.base, size: 64)!) }.isEmpty)
                let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
                try board.bus.privileged.write(.cpuSecure, at: page.base, bytes: ContentMarker.bytes(id: 32))
                let leaks = try added(checker) { _ = try board.bus.read(.display, PhysicalRange(base: page.base, size: 64)!) }
                #expect(leaks.count == 1 && leaks.first?.detail.contains("#32") == true, "\(leaks)")
                try buffer.put()
                // Reclaimed, the pages are the host's again and grant the display nothing.
                try board.bus.privileged.write(.cpuSecure, at: lent.base, bytes: ContentMarker.bytes(id: 33))
                let afterReclaim = try added(checker) { _ = try board.bus.read(.display, PhysicalRange(base: lent.base, size: 64)!) }
                #expect(afterReclaim.count == 1 && afterReclaim.first?.detail.contains("#33") == true, "\(afterReclaim)")
                try board.bus.privileged.fill(.cpuSecure, PhysicalRange(base: lent.base, size: pageSize)!, with: 0)
                try board.bus.privileged.fill(.cpuSecure, page, with: 0)
                try board.pageAllocator.free(page)
            }
        }
    }

    /// A marker across two pages of which a protection grants the CPU only the first: the
    /// marker is not the CPU's, read whole or only the half on the granted page.
    @Test func aMarkerOnAGrantedAndAnUngrantedPageIsALeak() throws {
        try withLeakCheckedBoard { board in
            try watching(board) { checker in
                let pages = try #require(board.pageAllocator.allocateZeroed(order: 1))
                let granted = PhysicalRange(base: pages.base, size: pageSize)!
                let grant = try board.secureMonitor.protect(granted, readers: [.cpuNonSecure], writers: [], owner: "test", reason: "grant the CPU the first page")
                let marker = at(pages, pageSize - 8)
                try board.bus.privileged.write(.cpuSecure, at: marker, bytes: ContentMarker.bytes(id: 41))
                let whole = try added(checker) { _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: marker, size: 16)!) }
                #expect(whole.count == 1 && whole.first?.detail.contains("#41") == true, "\(whole)")
                let half = try added(checker) { _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: marker, size: 8)!) }
                #expect(half.count == 1 && half.first?.detail.contains("#41") == true, "\(half)")
                #expect(board.secureMonitor.unprotect(grant))
                try board.bus.privileged.fill(.cpuSecure, pages, with: 0)
                try board.pageAllocator.free(pages)
            }
        }
    }

    // MARK: Protection page by page

    /// A 16-page protected buffer with one page opened by a second protection: the check
    /// names the buffer, the page and how many are open, for reads and, separately, writes.
    @Test func onePageOpenedInsideAProtectedBufferIsReported() throws {
        try withLeakCheckedBoard { board in
            let checker = InvariantChecker(board: board)
            let heap = try #require(board.heaps.find("protected-carveout"))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: 16 * pageSize, fdFlags: .readWrite)
            let range = try #require(buffer.exporter.backing?.entries.first?.range)
            #expect(range.size == 16 * pageSize)
            #expect(checker.check().isEmpty)
            let opened = PhysicalRange(base: at(range, 5 * pageSize), size: pageSize)!
            let window = try board.secureMonitor.protect(opened, readers: [.cpuNonSecure, .gpuProtected, .codec, .display], writers: [.gpuProtected, .codec, .camera],
                                                         owner: "test", reason: "open one page to the CPU")
            let violations = checker.check()
            #expect(violations.count == 1, "\(violations)")
            let detail = try #require(violations.first { $0.kind == .protection }?.detail)
            #expect(detail.contains("protected-carveout") && detail.contains("read 1 of its 16 pages") && detail.contains("the first at \(opened)"), "\(detail)")
            #expect(board.secureMonitor.unprotect(window))
            // Opened for writes instead, and on two pages at once.
            let twoPages = PhysicalRange(base: at(range, 14 * pageSize), size: 2 * pageSize)!
            let writable = try board.secureMonitor.protect(twoPages, readers: [.gpuProtected, .codec, .display], writers: [.cpuNonSecure, .gpuProtected, .codec, .camera],
                                                           owner: "test", reason: "open two pages to CPU writes")
            let writes = checker.check()
            #expect(writes.count == 1 && writes.first?.detail.contains("write 2 of its 16 pages, the first at \(PhysicalRange(base: twoPages.base, size: pageSize)!)") == true, "\(writes)")
            #expect(board.secureMonitor.unprotect(writable))
            #expect(checker.check().isEmpty)
            try buffer.put()
        }
    }

    // MARK: Markers split across transactions

    /// Protected content in ordinary memory, as a copy out of protected memory would leave it.
    func strayMarker(_ board: Board, id: UInt64) throws -> PhysicalRange {
        let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
        try board.bus.privileged.write(.cpuSecure, at: at(page, 100), bytes: ContentMarker.bytes(id: id))
        return page
    }

    func release(_ board: Board, _ page: PhysicalRange) throws {
        try board.bus.privileged.fill(.cpuSecure, page, with: 0)
        try board.pageAllocator.free(page)
    }

    /// Read a byte at a time or eight at a time, every read that carries part of the marker
    /// is a leak; the reads beside it are not.
    @Test func aMarkerReadInPiecesIsALeakPerPiece() throws {
        try withLeakCheckedBoard { board in
            try watching(board) { checker in
                let page = try strayMarker(board, id: 51)
                let bytes = try added(checker) {
                    for offset in UInt64(100)..<116 { _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: at(page, offset), size: 1)!) }
                }
                #expect(bytes.count == 16 && bytes.allSatisfy { $0.kind == .leak && $0.detail.contains("#51") }, "\(bytes)")
                let words = try added(checker) {
                    for offset: UInt64 in [100, 108] { _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: at(page, offset), size: 8)!) }
                }
                #expect(words.count == 2 && words.allSatisfy { $0.detail.contains("#51") }, "\(words)")
                let beside = try added(checker) {
                    _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: page.base, size: 100)!)
                    _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: at(page, 116), size: 100)!)
                    _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: at(page, 99), size: 1)!)
                    _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: at(page, 116), size: 1)!)
                }
                #expect(beside.isEmpty, "\(beside)")
                try release(board, page)
            }
        }
    }

    /// A master entitled to the content reads it in pieces without a violation.
    @Test func anEntitledMasterReadsAMarkerInPieces() throws {
        try withLeakCheckedBoard { board in
            try watching(board) { checker in
                let heap = try #require(board.heaps.find("protected-carveout"))
                defer { board.heaps.put(heap) }
                let buffer = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
                let range = try #require(buffer.exporter.backing?.entries.first?.range)
                // The marker straddles two pages of the buffer; its two halves written apart.
                let marker = at(range, pageSize - 8)
                let bytes = ContentMarker.bytes(id: 52)
                let violations = try added(checker) {
                    try board.bus.write(.codec, at: marker, bytes: Array(bytes[..<8]))
                    try board.bus.write(.codec, at: PhysicalAddress(marker.rawValue + 8), bytes: Array(bytes[8...]))
                    for offset in UInt64(0)..<16 { _ = try board.bus.read(.display, PhysicalRange(base: PhysicalAddress(marker.rawValue + offset), size: 1)!) }
                    _ = try board.bus.privileged.read(.gpuProtected, PhysicalRange(base: range.base, size: 2 * pageSize)!)
                }
                #expect(violations.isEmpty, "\(violations)")
                try buffer.put()
            }
        }
    }

    /// Protected content written into ordinary memory in two 8-byte writes, either half
    /// first, or a byte at a time: each is seen once the marker is whole.
    @Test func aMarkerWrittenInPiecesIntoOrdinaryMemoryIsALeak() throws {
        try withLeakCheckedBoard { board in
            try watching(board) { checker in
                let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
                let bytes = ContentMarker.bytes(id: 61)
                let magicFirst = try added(checker) {
                    try board.bus.write(.codec, at: at(page, 0), bytes: Array(bytes[..<8]))
                    try board.bus.write(.codec, at: at(page, 8), bytes: Array(bytes[8...]))
                }
                #expect(!magicFirst.isEmpty && magicFirst.allSatisfy { $0.kind == .leak } && magicFirst.last?.detail.contains("#61") == true, "\(magicFirst)")
                let idFirst = try added(checker) {
                    try board.bus.write(.codec, at: at(page, 200 + 8), bytes: Array(bytes[8...]))
                    try board.bus.write(.codec, at: at(page, 200), bytes: Array(bytes[..<8]))
                }
                #expect(idFirst.count == 1 && idFirst.first?.detail.contains("#61") == true, "\(idFirst)")
                let byBytes = try added(checker) {
                    for (offset, byte) in bytes.enumerated() { try board.bus.write(.codec, at: at(page, 400 + UInt64(offset)), bytes: [byte]) }
                }
                #expect(!byBytes.isEmpty && byBytes.last?.detail.contains("#61") == true, "\(byBytes)")
                // A fill with one of the magic's bytes completes a marker the rest of which is there.
                let filled = try added(checker) {
                    try board.bus.write(.codec, at: at(page, 601), bytes: Array(bytes[1...]))
                    try board.bus.fill(.codec, PhysicalRange(base: at(page, 600), size: 1)!, with: bytes[0])
                }
                #expect(filled.count == 1 && filled.first?.detail.contains("#61") == true, "\(filled)")
                try release(board, page)
            }
        }
    }

    /// A DMA copy of a protected frame's marker into ordinary memory in two halves.
    @Test func aMarkerCopiedInTwoHalvesIsALeak() throws {
        try withLeakCheckedBoard { board in
            try watching(board) { checker in
                let heap = try #require(board.heaps.find("protected-carveout"))
                defer { board.heaps.put(heap) }
                let buffer = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
                let range = try #require(buffer.exporter.backing?.entries.first?.range)
                try board.bus.write(.codec, at: range.base, bytes: ContentMarker.bytes(id: 71))
                let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
                let leaks = try added(checker) {
                    try board.bus.copy(.codec, from: range.base, to: page.base, count: 8)
                    try board.bus.copy(.codec, from: at(range, 8), to: at(page, 8), count: 8)
                }
                #expect(!leaks.isEmpty && leaks.allSatisfy { $0.kind == .leak && $0.detail.contains("unprotected memory") } && leaks.last?.detail.contains("#71") == true, "\(leaks)")
                // Copied in halves within protected memory, nothing leaks.
                let inside = try added(checker) {
                    try board.bus.copy(.codec, from: range.base, to: at(range, 3 * pageSize), count: 8)
                    try board.bus.copy(.codec, from: at(range, 8), to: at(range, 3 * pageSize + 8), count: 8)
                }
                #expect(inside.isEmpty, "\(inside)")
                try release(board, page)
                try buffer.put()
            }
        }
    }
}
