import ProtMemBoard
import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// Frame contents generated in place, a piece at a time, are the same bytes as the whole
/// frame generated at once, and the checksum computed from the frame's identity is the one
/// computed from its bytes.
@Suite struct FramePatternTests {
    /// A Weyl sequence from a SplitMix64-finalised seed, each point folded by `x ^ (x >> 29)`,
    /// little-endian words: written out independently of the model's code.
    static func reference(stream: UInt64, frame: UInt64, count: Int) -> [UInt8] {
        var seed = stream &* 0x9e37_79b9_7f4a_7c15 ^ frame &* 0xbf58_476d_1ce4_e5b9
        seed = (seed ^ (seed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        seed = (seed ^ (seed >> 27)) &* 0x94d0_49bb_1331_11eb
        seed ^= seed >> 31
        var bytes: [UInt8] = []
        var k: UInt64 = 1
        while bytes.count < count {
            let x = seed &+ k &* 0x9e37_79b9_7f4a_7c15
            let z = x ^ (x >> 29)
            for byte in 0..<8 where bytes.count < count { bytes.append(UInt8(truncatingIfNeeded: z >> (8 * UInt64(byte)))) }
            k += 1
        }
        return bytes
    }

    @Test(arguments: [0, 1, 7, 8, 9, 100, 4096, 4099])
    func bytesAreTheReference(count: Int) {
        #expect(FramePattern.bytes(stream: 3, frame: 11, count: count) == Self.reference(stream: 3, frame: 11, count: count))
    }

    /// Any piece, starting anywhere (word-aligned or not), is that piece of the whole frame.
    @Test func piecesAreSlicesOfTheWhole() {
        let whole = Self.reference(stream: 1, frame: 42, count: 200)
        for start in [0, 1, 5, 8, 13, 64] {
            for length in [0, 1, 3, 8, 9, 31, 200 - start] where start + length <= whole.count {
                var piece = [UInt8](repeating: 0xEE, count: length)
                do {
                    var elements = piece.mutableSpan
                    var raw = elements.mutableBytes
                    FramePattern.fill(&raw, stream: 1, frame: 42, offset: UInt64(start))
                }
                #expect(piece == Array(whole[start..<(start + length)]), "offset \(start), length \(length)")
            }
        }
    }

    /// Every length around the vector fill's eight-word blocks, from every place in a word and
    /// into destinations at every alignment: the vector part and the word-by-word rest join
    /// without a seam, and nothing is written past the piece.
    @Test func vectorBlocksJoinTheRest() {
        let whole = Self.reference(stream: 5, frame: 7, count: 600)
        for start in 0..<16 {
            for length in [0, 8, 56, 63, 64, 65, 72, 127, 128, 129, 200, 513, 600 - start] where start + length <= whole.count {
                for misalignment in [0, 1, 3, 8] {
                    var buffer = [UInt8](repeating: 0xEE, count: misalignment + length + 8)
                    do {
                        var elements = buffer.mutableSpan
                        var raw = elements.mutableBytes
                        var piece = raw._mutatingExtracting(misalignment..<(misalignment + length))
                        FramePattern.fill(&piece, stream: 5, frame: 7, offset: UInt64(start))
                    }
                    #expect(Array(buffer[misalignment..<(misalignment + length)]) == Array(whole[start..<(start + length)]),
                            "offset \(start), length \(length), misalignment \(misalignment)")
                    #expect(buffer[..<misalignment].allSatisfy { $0 == 0xEE } && buffer[(misalignment + length)...].allSatisfy { $0 == 0xEE },
                            "wrote outside the piece: offset \(start), length \(length), misalignment \(misalignment)")
                }
            }
        }
    }

    /// A consumer can tell frames apart: another frame of the stream differs in every word,
    /// and the same frame of another stream differs too.
    @Test func framesAndStreamsDiffer() {
        let count = 4096
        let frame = FramePattern.bytes(stream: 1, frame: 42, count: count)
        for other in [FramePattern.bytes(stream: 1, frame: 43, count: count), FramePattern.bytes(stream: 1, frame: 0, count: count)] {
            for word in stride(from: 0, to: count, by: 8) {
                #expect(frame[word..<(word + 8)] != other[word..<(word + 8)], "word at \(word)")
            }
        }
        #expect(frame != FramePattern.bytes(stream: 2, frame: 42, count: count))
        #expect(FramePattern.bytes(stream: 1, frame: 42, count: count) == frame)
    }

    @Test(arguments: [0, 1, 7, 8, 15, 4096, 4101])
    func checksumFromIdentityIsChecksumOfBytes(count: Int) {
        let bytes = Self.reference(stream: 9, frame: 1234, count: count)
        #expect(FramePattern.checksum(stream: 9, frame: 1234, count: count) == FramePattern.checksum(bytes))
    }

    /// A frame decoded without its checksum, into a system-heap buffer of several scatter
    /// entries, reads back as the frame; the display scans it out with and without its CRC.
    @Test func decodedWithoutChecksumAcrossChunks() throws {
        try withLeakCheckedBoard { board in
            let codec = VideoCodec(bus: board.bus)
            let display = DisplayController(bus: board.bus)
            let heap = try #require(board.heaps.heaps.first { $0.name == "system" })
            let buffer = try board.heaps.allocate(heap, length: 0x13000, fdFlags: .readWrite)
            let output = try codec.attachOutput(buffer)
            let framebuffer = try display.attachFramebuffer(buffer)
            let frameSize: UInt64 = 0x11000 + 13
            #expect(output.chunks.count > 1)

            try codec.decodeWithoutChecksum(stream: 5, frame: 77, frameSize: frameSize, into: output)
            var read: [UInt8] = []
            var remaining = frameSize
            for chunk in output.chunks where remaining > 0 {
                let size = min(chunk.size, remaining)
                read += try board.bus.read(.cpuNonSecure, PhysicalRange(base: chunk.base, size: size)!)
                remaining -= size
            }
            #expect(read == Self.reference(stream: 5, frame: 77, count: Int(frameSize)))
            #expect(try display.scanOut(framebuffer, frameSize: frameSize) == FramePattern.checksum(stream: 5, frame: 77, count: Int(frameSize)))
            try display.scanOutWithoutCRC(framebuffer, frameSize: frameSize)
            #expect(codec.metrics.framesDecoded == 1 && codec.metrics.bytesWritten == frameSize)
            #expect(display.metrics.framesScannedOut == 2 && display.metrics.bytesRead == 2 * frameSize)
            #expect(throws: DMAMasterError.bufferTooSmall(needed: 0x14000, size: 0x13000)) {
                try display.scanOutWithoutCRC(framebuffer, frameSize: 0x14000)
            }
            #expect(try codec.decode(stream: 5, frame: 78, frameSize: 64, into: output) == FramePattern.checksum(Self.reference(stream: 5, frame: 78, count: 64)))

            try codec.detach(output)
            try display.detach(framebuffer)
            #expect(throws: DMAMasterError.detached) { try codec.decodeWithoutChecksum(stream: 5, frame: 79, frameSize: 64, into: output) }
            try buffer.put()
        }
    }

    /// A scan-out the firewall refuses is recorded against the display and counted, as the
    /// copying scan-out's is.
    @Test func refusedScanOutWithoutCRCIsAFault() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.heaps.first { $0.name == "protected-carveout" })
            let buffer = try board.heaps.allocate(heap, length: 0x10000, fdFlags: .readWrite)
            // The camera is no reader of the carve-out: a display built as the camera master.
            let display = DisplayController(name: "not-a-reader", bus: board.bus, master: .camera)
            let framebuffer = try display.attachFramebuffer(buffer)
            #expect(throws: DMAMasterError.self) { try display.scanOutWithoutCRC(framebuffer, frameSize: 4096) }
            #expect(display.metrics.faults == 1 && display.metrics.framesScannedOut == 0)
            #expect(display.faults.count == 1 && display.faults[0].kind == .read)
            try display.detach(framebuffer)
            try buffer.put()
        }
    }
}
