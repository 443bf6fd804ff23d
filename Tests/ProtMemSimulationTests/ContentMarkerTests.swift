import ProtMemSimulation
import Testing

@Suite struct ContentMarkerTests {
    /// The marker written in place is the marker's bytes: `PROTMEM!` then the id, little-endian.
    @Test func writtenInPlaceIsTheMarker() {
        var bytes = [UInt8](repeating: 0, count: 40)
        do {
            var elements = bytes.mutableSpan
            var raw = elements.mutableBytes
            var piece = raw._mutatingExtracting(5...)
            ContentMarker.write(id: 0x0102_0304_0506_0708, into: &piece)
        }
        #expect(Array(bytes[5..<21]) == Array("PROTMEM!".utf8) + [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(Array(bytes[5..<21]) == ContentMarker.bytes(id: 0x0102_0304_0506_0708))
        #expect(ContentMarker.firstID(in: bytes.span.bytes) == 0x0102_0304_0506_0708)
    }

    /// A near miss (the magic's first byte, or all but its last) is no marker.
    @Test func nearMissesAreNoMarker() {
        var bytes = [UInt8](repeating: UInt8(ascii: "P"), count: 64)
        bytes.replaceSubrange(10..<17, with: Array("PROTMEM".utf8))
        #expect(ContentMarker.firstID(in: bytes.span.bytes) == nil)
        bytes.replaceSubrange(40..<56, with: ContentMarker.bytes(id: 9))
        #expect(ContentMarker.firstID(in: bytes.span.bytes) == 9)
    }

    /// Short data is scanned word by word and longer data through `memchr`: at every length
    /// either side of the switch and every place a marker (or two, or a torn one) can sit,
    /// both find what a byte-by-byte search finds.
    @Test func everyLengthAndPlaceFindsTheFirstMarker() {
        func reference(_ bytes: [UInt8]) -> UInt64? {
            guard bytes.count >= ContentMarker.size else { return nil }
            for start in 0...(bytes.count - ContentMarker.size) where Array(bytes[start..<start + 8]) == ContentMarker.magic {
                return bytes[start + 8..<start + 16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            }
            return nil
        }
        for count in 0...48 {
            var cases: [[UInt8]] = [[UInt8](repeating: UInt8(ascii: "P"), count: count)]
            for first in 0...max(0, count - ContentMarker.size) where count >= ContentMarker.size {
                var one = [UInt8](repeating: 0x50, count: count)
                one.replaceSubrange(first..<first + 16, with: ContentMarker.bytes(id: UInt64(first) + 1))
                cases.append(one)
                var torn = one
                torn[first + 7] = 0
                cases.append(torn)
                if first + 32 <= count {
                    var two = one
                    two.replaceSubrange(first + 16..<first + 32, with: ContentMarker.bytes(id: 99))
                    cases.append(two)
                }
            }
            for bytes in cases {
                #expect(ContentMarker.firstID(in: bytes.span.bytes) == reference(bytes), "\(count) bytes: \(bytes)")
            }
        }
    }

    /// Searching from an offset finds the first marker starting there or later, every one in
    /// turn.
    @Test func searchFromAnOffsetFindsEachMarkerInTurn() {
        var bytes = [UInt8](repeating: 0x50, count: 300)
        for (index, start) in [3, 40, 41 + 16, 250].enumerated() { bytes.replaceSubrange(start..<start + 16, with: ContentMarker.bytes(id: UInt64(index + 1))) }
        var found: [Int] = []
        var offset = 0
        while let next = ContentMarker.first(in: bytes.span.bytes, from: offset) {
            found.append(next.offset)
            #expect(next.id == UInt64(found.count))
            offset = next.offset + 1
        }
        #expect(found == [3, 40, 57, 250])
        #expect(ContentMarker.first(in: bytes.span.bytes, from: 290) == nil)
    }

    /// Markers overlapping a range but not inside it are found at every place and for every
    /// length of range, with nothing else: what a byte-by-byte search finds.
    @Test func straddlingMarkersAreThoseOverlappingButNotInside() {
        let size = ContentMarker.size
        for start in 0..<40 {
            var memory = [UInt8](repeating: 0x50, count: 80)
            memory.replaceSubrange(start..<start + size, with: ContentMarker.bytes(id: UInt64(start) + 1))
            for offset in 0..<memory.count {
                for count in 1...(memory.count - offset) where count <= 40 {
                    var found: [Int] = []
                    ContentMarker.forEachStraddling(offset, count, in: memory.span.bytes) { position, id in
                        #expect(id == UInt64(position) + 1)
                        found.append(position)
                        return true
                    }
                    let overlaps = start < offset + count && offset < start + size
                    let inside = start >= offset && start + size <= offset + count
                    #expect(found == (overlaps && !inside ? [start] : []), "marker at \(start), range \(offset)+\(count)")
                }
            }
        }
    }

    @Test func magicBytesAreTheMagicsOnly() {
        #expect((0...255).filter { ContentMarker.isMagicByte(UInt8($0)) } == Set(ContentMarker.magic).sorted().map(Int.init))
    }
}
