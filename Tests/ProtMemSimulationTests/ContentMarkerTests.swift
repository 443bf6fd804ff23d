import ProtMemSimulation
import Testing

@Suite struct ContentMarkerTests {
    /// The marker written in place is the marker's bytes: `PROTMEM!` then the id, little-endian.
    @Test func writtenInPlaceIsTheMarker() {
        var bytes = [UInt8](repeating: 0, count: 40)
        bytes.withUnsafeMutableBytes { ContentMarker.write(id: 0x0102_0304_0506_0708, into: UnsafeMutableRawBufferPointer(rebasing: $0[5...])) }
        #expect(Array(bytes[5..<21]) == Array("PROTMEM!".utf8) + [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(Array(bytes[5..<21]) == ContentMarker.bytes(id: 0x0102_0304_0506_0708))
        #expect(bytes.withUnsafeBytes { ContentMarker.firstID(in: $0) } == 0x0102_0304_0506_0708)
    }

    /// A near miss (the magic's first byte, or all but its last) is no marker.
    @Test func nearMissesAreNoMarker() {
        var bytes = [UInt8](repeating: UInt8(ascii: "P"), count: 64)
        bytes.replaceSubrange(10..<17, with: Array("PROTMEM".utf8))
        #expect(bytes.withUnsafeBytes { ContentMarker.firstID(in: $0) } == nil)
        bytes.replaceSubrange(40..<56, with: ContentMarker.bytes(id: 9))
        #expect(bytes.withUnsafeBytes { ContentMarker.firstID(in: $0) } == 9)
    }
}
