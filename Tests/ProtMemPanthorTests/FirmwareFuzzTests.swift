import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// Thousands of mutated images, real and hand-built: each parses or throws
/// `FirmwareImageError`, never traps; what parses obeys every rule; what is refused points
/// inside the file.
@Suite("Fuzzed firmware images")
struct FirmwareFuzzTests {
    /// The bound is on work (mutations per seed), not on time: a wall-clock limit fails
    /// under sanitizers and on a busy machine; the parser's speed is watched by the fuzz
    /// target's exec/s (Scripts/fuzz.sh) instead.
    static let iterationsPerSeed = 2500

    struct Outcome {
        var parsed = 0
        var rejected = 0
        var mapRefused = 0
        var rules: Set<String> = []
        var problems: [String] = []
    }

    /// Byte offsets of every IFACE entry's body, for mutations aimed at section fields.
    static func interfaceBodies(_ bytes: [UInt8]) -> [Int] {
        IndependentScan.interfaces(bytes).map { $0.entryOffset + 4 }
    }

    static func setWord(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        guard offset + 4 <= bytes.count else { return }
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static func mutate(_ original: [UInt8], rng: inout XorShiftRandom) -> [UInt8] {
        var bytes = original
        let bodies = interfaceBodies(original)
        let headerSize = min(Int(IndependentScan.u32(original, 16)), original.count)
        let boundaries: [UInt32] = [
            0, 1, 0xfff, 0x1000, 0x1001, 0x0400_0000, 0x0400_1000, 0x7fff_ffff, 0xffff_f000, 0xffff_ffff,
            UInt32(original.count), UInt32(original.count) + 1, UInt32(headerSize), UInt32(headerSize) &- 2, UInt32(headerSize) + 2,
        ]
        switch rng.below(7) {
        case 0:  // truncation, biased to the header and entry table
            let length = rng.below(3) == 0 ? rng.below(headerSize + 8) : rng.below(original.count)
            bytes = Array(original.prefix(length))
        case 1:  // flag bits of a section
            if let body = bodies.isEmpty ? nil : rng.pick(bodies) {
                for _ in 0...rng.below(3) { bytes[body + rng.below(4)] ^= UInt8(1) << UInt8(rng.below(8)) }
            }
        case 2:  // a range field: boundary, random, or swapped start/end (unordered)
            if let body = bodies.isEmpty ? nil : rng.pick(bodies) {
                let field = 4 + 4 * rng.below(4)
                if rng.below(3) == 0 {
                    let pair = field < 12 ? 4 : 12
                    let start = IndependentScan.u32(bytes, body + pair), end = IndependentScan.u32(bytes, body + pair + 4)
                    setWord(&bytes, body + pair, end)
                    setWord(&bytes, body + pair + 4, start)
                } else {
                    setWord(&bytes, body + field, rng.below(2) == 0 ? rng.pick(boundaries) : rng.word())
                }
            }
        case 3:  // overlapping VA: copy one section's VA range onto another
            if bodies.count >= 2 {
                let from = rng.pick(bodies), to = rng.pick(bodies)
                setWord(&bytes, to + 4, IndependentScan.u32(original, from + 4) &+ UInt32(rng.below(2)) * 0x1000)
                setWord(&bytes, to + 8, IndependentScan.u32(original, from + 8))
            }
        case 4:  // an entry header word: type, size, OPTIONAL/UPDATE bits
            let offsets = bodies.map { $0 - 4 } + [20]
            let offset = rng.pick(offsets)
            let word = IndependentScan.u32(bytes, offset)
            let replacement: UInt32 = switch rng.below(4) {
            case 0: (word & ~0xff) | UInt32(rng.below(12))
            case 1: (word & ~0xff00) | UInt32(rng.below(64) * 4 + rng.below(2) * rng.below(4)) << 8
            case 2: word ^ (1 << 31) ^ UInt32(rng.below(2)) << 30
            default: rng.word()
            }
            setWord(&bytes, offset, replacement)
        case 5:  // a header field
            setWord(&bytes, 4 * rng.below(5), rng.below(2) == 0 ? rng.pick(boundaries) : rng.word())
        default:  // random bit flips in the header and entry table, or anywhere
            let span = rng.below(2) == 0 ? headerSize : bytes.count
            for _ in 0...rng.below(8) where span > 0 { bytes[rng.below(span)] ^= UInt8(1) << UInt8(rng.below(8)) }
        }
        return bytes
    }

    /// Checks a parsed image against every rule, independently of the parser's own checks,
    /// then maps its sections into an MCU address space: overlapping VA ranges (legal in the
    /// image format) are refused there, with ENOSPC and nothing half-mapped.
    static func check(_ image: FirmwareImage, _ bytes: [UInt8], into outcome: inout Outcome) {
        var problems: [String] = []
        if !(20...bytes.count).contains(Int(image.header.size)) { problems.append("header size outside file") }
        for section in image.sections {
            if Int(section.data.upperBound) > bytes.count { problems.append("data outside file") }
            if section.va.lowerBound % 4096 != 0 || section.va.upperBound % 4096 != 0 { problems.append("unaligned VA") }
            if section.flags.unsupportedBits != 0 { problems.append("unsupported flags kept") }
            if section.va.lowerBound == 0x0400_0000 && !section.isShared { problems.append("unshared shared region") }
        }
        if !image.sharedSection.isShared || image.sharedSection.va.lowerBound != 0x0400_0000 { problems.append("bad shared section") }
        outcome.problems += problems.map { "parsed image: \($0)" }

        let mmu = GPUMMU()
        var mapped = 0
        for section in image.sections where section.virtualSize > 0 {
            let pages = [PhysicalRange(base: PhysicalAddress(0x1_0000_0000 + UInt64(section.va.lowerBound)), size: UInt64(section.virtualSize))!]
            do {
                try mmu.mcu.map(section.virtualRange, to: pages, attributes: section.mappingAttributes)
                mapped += 1
            } catch {
                outcome.mapRefused += 1
                if error.errno != .noSpace { outcome.problems.append("map refused for \(error)") }
                break
            }
        }
        if mmu.mcu.mappings.count != mapped { outcome.problems.append("half-mapped section") }
    }

    static func run(_ seed: [UInt8], iterations: Int, seedValue: UInt64, outcome: inout Outcome) {
        var rng = XorShiftRandom(seed: seedValue)
        for iteration in 0..<iterations {
            let bytes = mutate(seed, rng: &rng)
            do {
                let image = try FirmwareImage.parse(bytes, protectedSections: rng.below(4) == 0 ? .ignore : .load)
                outcome.parsed += 1
                check(image, bytes, into: &outcome)
            } catch {
                outcome.rejected += 1
                outcome.rules.insert(String(describing: error.rule).prefix { $0 != "(" }.description)
                let entryOK = error.entry.map { $0.index >= 0 && $0.offset >= 20 && $0.offset <= error.offset } ?? true
                if !(0...bytes.count).contains(error.offset) || !entryOK || error.errno != .invalidArgument
                    || !error.description.hasPrefix("firmware image: ") {
                    outcome.problems.append("iteration \(iteration): odd error \(error)")
                }
            }
        }
    }

    @Test func mutatedImagesParseOrThrowTypedErrors() throws {
        var seeds: [[UInt8]] = [FirmwareImageBuilder.minimal().build()]
        if SharedData.firmwareAvailable() {
            seeds += try SharedData.firmwareImages.map(SharedData.bytes(of:))
        }
        var outcome = Outcome()
        for (index, seed) in seeds.enumerated() {
            Self.run(seed, iterations: Self.iterationsPerSeed, seedValue: 0x5eed_0000 + UInt64(index), outcome: &outcome)
        }
        print("firmware fuzz: \(outcome.parsed + outcome.rejected) images (\(outcome.parsed) parsed, \(outcome.rejected) refused, "
            + "\(outcome.mapRefused) refused by the MMU), \(outcome.rules.count) rules seen: \(outcome.rules.sorted())")
        #expect(outcome.problems.isEmpty, "\(outcome.problems.prefix(10))")
        #expect(outcome.parsed + outcome.rejected == Self.iterationsPerSeed * seeds.count)
        #expect(outcome.parsed > 100 && outcome.rejected > 1000)
        // With the real images every one of the 17 rules is reached; the small image alone reaches fewer.
        #expect(outcome.rules.count >= (seeds.count > 1 ? 17 : 12), "\(outcome.rules.sorted())")
    }
}
