import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Testing

/// The ioctls of a dma-buf's file (§9): `DMA_BUF_IOCTL_SYNC`, `DMA_BUF_SET_NAME_A/_B`,
/// the sync-file pair, and `ENOTTY` for the rest.
@Suite struct DMABufIOCTLTests {
    static let accepted: [DMABufSyncFlags] = [
        [.start, .readWrite], [.end, .readWrite], [.start, .read], [.end, .read], [.start, .write], [.end, .write],
    ]

    @Test func syncAcceptsEveryDirectionWithoutPairing() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 8192, fdFlags: .readWrite)
            // END before any START, twice: the kernel does not pair them.
            try process.sync(buffer, [.end, .readWrite])
            try process.sync(buffer, [.end, .readWrite])
            for flags in Self.accepted { try process.sync(buffer, flags) }
        }
    }

    @Test(arguments: [0, 4, 8, 8 | 3, 0x10 | 1, 1 << 63 | 3] as [UInt64])
    func syncRefusesNoDirectionAndUnknownBits(_ flags: UInt64) throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            #expect(throws: Errno.invalidArgument) { try process.sync(buffer, DMABufSyncFlags(rawValue: flags)) }
        }
    }

    @Test func syncNeedsItsEightBytes() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            #expect(throws: Errno.badAddress) { try process.ioctl(buffer, .dmaBufSync, nil) }
            #expect(throws: Errno.badAddress) { try process.ioctl(buffer, .dmaBufSync, UserBuffer([3, 0, 0, 0])) }
        }
    }

    /// The protected heap has no CPU-access ops, so the core answers 0 (tee_heap.c); with
    /// MediaTek's policy the exporter answers `EPERM`.
    @Test func syncOnProtectedHeaps() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap("protected-carveout"), length: 4096, fdFlags: .readWrite)
            for flags in Self.accepted { try process.sync(buffer, flags) }
        }
        var restricted = BoardConfiguration.builtinDefault
        restricted.carveouts[0].cpuAccessPolicy = .restrictedHeap
        try withUserspace(restricted) { _, process in
            let buffer = try process.allocate(try process.openHeap("protected-carveout"), length: 4096, fdFlags: .readWrite)
            #expect(throws: Errno.notPermitted) { try process.sync(buffer, [.start, .readWrite]) }
            #expect(throws: Errno.invalidArgument) { try process.sync(buffer, .readWrite.union(.init(rawValue: 8))) }
        }
    }

    @Test func namesUpTo31BytesAreAccepted() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            #expect(try process.fdinfoFields(buffer)["name"] == nil, "a name before any was set")
            try process.setName(buffer, String(repeating: "n", count: 31))
            #expect(try process.fdinfoFields(buffer)["name"] == String(repeating: "n", count: 31))
            for length in [32, 40] {
                #expect(throws: Errno.invalidArgument) { try process.setName(buffer, String(repeating: "x", count: length)) }
            }
            #expect(try process.fdinfoFields(buffer)["name"] == String(repeating: "n", count: 31), "a refused name changed the old one")
            // Bytes, not characters.
            #expect(throws: Errno.invalidArgument) { try process.setName(buffer, String(repeating: "é", count: 16)) }
            try process.setName(buffer, String(repeating: "é", count: 15) + "a")
            // The empty name is a name.
            try process.setName(buffer, "")
            #expect(try process.fdinfo(buffer).hasSuffix("exp_name:\tsystem\nname:\t\n"))
            // _A and _B take the same string; the string stops at its NUL.
            try process.ioctl(buffer, .dmaBufSetNameA, UserBuffer(Array("a\0bc\0".utf8)))
            #expect(try process.fdinfoFields(buffer)["name"] == "a")
        }
    }

    @Test func aNameThatCannotBeReadIsEFAULT() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            #expect(throws: Errno.badAddress) { try process.ioctl(buffer, .dmaBufSetNameB, nil) }
            // No NUL before the memory ends: a fault, not a truncated name.
            #expect(throws: Errno.badAddress) { try process.ioctl(buffer, .dmaBufSetNameB, UserBuffer(Array("abc".utf8))) }
            // 32 bytes with no NUL: too long, whatever follows.
            #expect(throws: Errno.invalidArgument) { try process.ioctl(buffer, .dmaBufSetNameB, UserBuffer([UInt8](repeating: 65, count: 32))) }
        }
    }

    @Test(arguments: [0x4008_6209, 0xc018_4800, 0x4004_6200, 0x4018_7542, 0x541b] as [UInt32])
    func unknownRequestsAreENOTTY(_ raw: UInt32) throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            #expect(throws: Errno.inappropriateIOCTLForDevice) {
                try process.ioctl(buffer, IOCTLNumber(rawValue: raw), UserBuffer([UInt8](repeating: 0, count: 64)))
            }
        }
    }

    @Test func exportedSyncFilesAreCloseOnExecAndImportable() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            let syncFile = try process.exportSyncFile(buffer, .readWrite)
            #expect(try process.isCloseOnExec(syncFile))
            guard case .syncFile(let file) = process.file(syncFile)?.object else {
                Issue.record("not a sync file")
                return
            }
            #expect(file.isSignalled)
            for flags: UInt32 in [0, 4, 7] {
                #expect(throws: Errno.invalidArgument) { try process.ioctl(buffer, .dmaBufExportSyncFile, UserBuffer([UInt8(flags), 0, 0, 0, 0, 0, 0, 0])) }
            }
            var importArgument: [UInt8] = [2, 0, 0, 0] + [UInt8](repeating: 0, count: 4)
            importArgument[4] = UInt8(syncFile.rawValue)
            try process.ioctl(buffer, .dmaBufImportSyncFile, UserBuffer(importArgument))
            importArgument[4] = UInt8(buffer.rawValue)
            #expect(throws: Errno.invalidArgument) { try process.ioctl(buffer, .dmaBufImportSyncFile, UserBuffer(importArgument)) }
            #expect(throws: Errno.inappropriateIOCTLForDevice) { try process.ioctl(syncFile, .dmaBufSync, UserBuffer([3, 0, 0, 0, 0, 0, 0, 0])) }
        }
    }

    /// The VFS answers the generic requests for every file, before any driver.
    @Test func genericRequestsComeFirst() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let buffer = try process.allocate(heap, length: 4096, fdFlags: .readWrite)
            let copy = try process.dup(buffer)
            try process.ioctl(heap, .fioclex, nil)
            #expect(try process.isCloseOnExec(heap))
            try process.ioctl(heap, .fionclex, nil)
            #expect(try process.isCloseOnExec(heap) == false)
            // FIONBIO changes the shared file, so every descriptor of it, and bufinfo, sees it.
            try process.ioctl(buffer, .fionbio, UserBuffer([1, 0, 0, 0]))
            #expect(try process.fdinfoFields(copy)["flags"] == "04002")
            try process.ioctl(copy, .fionbio, UserBuffer([0, 0, 0, 0]))
            #expect(try process.fdinfoFields(buffer)["flags"] == "02")
            #expect(throws: Errno.badAddress) { try process.ioctl(buffer, .fionbio, nil) }
            #expect(throws: Errno.inappropriateIOCTLForDevice) { try process.ioctl(buffer, .fioasync, UserBuffer([1, 0, 0, 0])) }
            try process.ioctl(buffer, .fioasync, UserBuffer([0, 0, 0, 0]))
            let blockSize = UserBuffer([0, 0, 0, 0])
            try process.ioctl(heap, .figetbsz, blockSize)
            #expect(blockSize.bytes == [0, 0x10, 0, 0])
            #expect(throws: Errno.inappropriateIOCTLForDevice) { try process.ioctl(buffer, .fioqsize, UserBuffer([UInt8](repeating: 0, count: 8))) }
            // FIONREAD is generic only for regular files; the heap sees number 0x1b.
            #expect(throws: Errno.invalidArgument) { try process.ioctl(heap, .fionread, UserBuffer([0, 0, 0, 0])) }
        }
    }
}
