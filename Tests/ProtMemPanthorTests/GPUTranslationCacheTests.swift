import ProtMemMemory
@testable import ProtMemCSF
import Testing

/// The GPU's translation cache (a listed storage type): whatever mix of hits, misses,
/// evictions and remappings it sees, it answers exactly what the address space answers, and
/// its sets and ways stay consistent.
struct GPUTranslationCacheTests {
    @Test func answersAsTheAddressSpaceDoesThroughEvictionsAndRemaps() throws {
        let space = GPUAddressSpace(id: .context(1), limit: 1 << 40, faultLog: GPUFaultLog())
        let cache = GPUTranslationCache()
        let page: UInt64 = 4096
        // 300 one-page buffers at aligned VAs: more than the cache's 128 entries, so sets share.
        var ranges: [GPUVirtualRange] = []
        for index in 0..<300 {
            let range = try #require(GPUVirtualRange(start: GPUVirtualAddress(UInt64(index) << 26), size: 2 * page))
            let pages = [try #require(PhysicalRange(base: PhysicalAddress(0x8000_0000 + UInt64(index) * 2 * page), size: 2 * page))]
            try space.map(range, to: pages, attributes: [.noExecute])
            ranges.append(range)
        }
        var random: UInt64 = 0x5eed
        for step in 0..<5_000 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let range = ranges[Int(random >> 33) % ranges.count]
            let access: GPUAccessType = random & 1 == 0 ? .read : .write
            let cached = try cache.chunks(for: range, access: access, in: space)
            let direct = try space.versionedChunks(for: range, access: access).chunks
            #expect(Array(cached) == Array(direct))
            if step % 500 == 499 {
                // A remap moves the space's version: nothing cached before may answer after.
                let victim = ranges[step % ranges.count]
                try space.unmap(victim)
                let moved = [try #require(PhysicalRange(base: PhysicalAddress(0x9000_0000 + UInt64(step) * 2 * page), size: 2 * page))]
                try space.map(victim, to: moved, attributes: [.noExecute])
                #expect(Array(try cache.chunks(for: victim, access: .read, in: space)).map(\.base) == moved.map(\.base))
            }
            if step % 100 == 0 { cache._checkInvariants() }
        }
        cache._checkInvariants()
    }

    /// A translation that faults is not remembered: it faults again, every time.
    @Test func aFaultIsNeverCached() throws {
        let space = GPUAddressSpace(id: .context(2), limit: 1 << 40, faultLog: GPUFaultLog())
        let cache = GPUTranslationCache()
        let hole = try #require(GPUVirtualRange(start: GPUVirtualAddress(1 << 30), size: 4096))
        for _ in 0..<3 {
            #expect(throws: GPUTranslationFault.self) { _ = try cache.chunks(for: hole, access: .read, in: space) }
        }
        cache._checkInvariants()
    }
}
