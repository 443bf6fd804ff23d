import Foundation
import Testing

/// Unsafe code lives only in a short, listed set of storage types, each with a
/// `_checkInvariants()` that a test calls (README, "Unsafe code"); domain code (devices,
/// drivers, workloads, the bus, the recorder) is safe Swift. A new unsafe construct anywhere
/// else fails here; a storage type is added to the list only with its reason, its invariant
/// check and its test.
@Suite struct UnsafeCodeTests {
    /// What counts as unsafe: pointers and their closures, raw loads and casts, references
    /// the runtime does not count, exclusivity and concurrency checks switched off.
    static let constructs = [
        #"Unsafe[A-Za-z]*Pointer"#, #"withUnsafe"#, #"@exclusivity\(unchecked\)"#, #"Unmanaged"#,
        #"_withUnsafeGuaranteedRef"#, #"unowned\(unsafe\)"#, #"unsafelyUnwrapped"#, #"nonisolated\(unsafe\)"#,
        #"@unchecked Sendable"#, #"loadUnaligned"#, #"unsafeBitCast"#, #"unsafeDowncast"#, #"assumingMemoryBound"#,
        #"bindMemory"#, #"\bunsafe[A-Z]"#, #"_unsafe"#,
    ]

    struct StorageType {
        let file: String
        /// The type a test checks the invariants of.
        let type: String
        let reason: String
    }

    /// The storage types, and why each must be unsafe.
    static let storageTypes: [StorageType] = [
        StorageType(file: "ProtMemMemory/PThreadMutex.swift", type: "PThreadMutex",
                    reason: "a pthread mutex must not move: heap-allocated, the value reached only under it"),
        StorageType(file: "ProtMemMemory/PhysicalMemory.swift", type: "PhysicalMemory",
                    reason: "the board's DRAM: host mappings, memcpy, memmove, memset and madvise on them"),
        StorageType(file: "ProtMemMemory/AtomicWordArray.swift", type: "AtomicWordArray",
                    reason: "atomics need a stable address, which no Array gives"),
        StorageType(file: "ProtMemMemory/RawSpanReader.swift", type: "RawSpanReader",
                    reason: "RawSpan has no safe load of a word, and the marker search needs memchr"),
        StorageType(file: "ProtMemTime/SpinLocked.swift", type: "SpinLocked",
                    reason: "the event queue's lock: one release store to unlock, the value reached only under it"),
        StorageType(file: "ProtMemTime/EventSlots.swift", type: "EventSlots",
                    reason: "the queue's slab: actions moved in and out of memory it owns, no uniqueness checks"),
        StorageType(file: "ProtMemTime/EventHeap.swift", type: "EventHeap",
                    reason: "the queue's binary heap over memory it owns"),
        StorageType(file: "ProtMemTime/EventLane.swift", type: "EventLane",
                    reason: "the queue's ring of in-order keys over memory it owns"),
        StorageType(file: "ProtMemTime/EventHandlerTable.swift", type: "EventHandlerTable",
                    reason: "a due value event's handler lent unretained: a retain and a release on each of 72,000 events a minute of playback, two atomics each"),
        StorageType(file: "ProtMemTime/ScheduledEventPayload.swift", type: "ScheduledEventPayload",
                    reason: "a value event's bytes stored and loaded as the handler's own type"),
        StorageType(file: "ProtMemCSF/Interface/FirmwareSlotArray.swift", type: "FirmwareSlotArray",
                    reason: "the firmware model's fixed slot array"),
        StorageType(file: "ProtMemCSF/MMU/GPUTranslationCache.swift", type: "GPUTranslationCache",
                    reason: "the GPU MMU's fixed translation cache"),
        StorageType(file: "ProtMemPanthor/Device/PanthorTraceLog.swift", type: "PanthorTraceLog",
                    reason: "the driver's append-only trace chunks"),
        StorageType(file: "ProtMemLinux/LinuxSyscalls.swift", type: "LinuxSyscalls",
                    reason: "the running kernel's calls take pointers: ioctl arguments before a guard page, mmap, loads and stores through a mapping, read, readdir, SCM_RIGHTS messages"),
    ]

    /// Domain code that still holds unsafe constructs (none now): a file is never added here;
    /// one that had to be would need its reason in the issue that lets it.
    static let notYetConfined: Set<String> = []

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func swiftFiles(under folder: String) throws -> [String: String] {
        let base = root.appendingPathComponent(folder)
        let names = try #require(FileManager.default.enumerator(atPath: base.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var files: [String: String] = [:]
        for name in names { files[name] = try String(contentsOf: base.appendingPathComponent(name), encoding: .utf8) }
        return files
    }

    /// The unsafe constructs in `text`, comments left out.
    static func unsafeConstructs(in text: String) -> Set<String> {
        var found: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let code = line.components(separatedBy: "//")[0]
            for construct in constructs where code.range(of: construct, options: .regularExpression) != nil {
                found.insert(construct)
            }
        }
        return found
    }

    @Test func unsafeCodeOnlyInListedStorageTypes() throws {
        let sources = try Self.swiftFiles(under: "Sources")
        #expect(sources.count > 100, "Sources not found under \(Self.root.path)")
        let listed = Set(Self.storageTypes.map(\.file))
        // A listed type's own extension files (`PhysicalMemory+Invariants.swift`) are part of it.
        func isListed(_ file: String) -> Bool {
            listed.contains(file) || listed.contains { file.hasPrefix($0.replacingOccurrences(of: ".swift", with: "+")) }
        }
        var unlisted: [String] = []
        var stale: [String] = []
        for (file, text) in sources {
            let found = Self.unsafeConstructs(in: text)
            if !found.isEmpty, !isListed(file), !Self.notYetConfined.contains(file) {
                unlisted.append("\(file): \(found.sorted().joined(separator: ", "))")
            }
            if found.isEmpty, Self.notYetConfined.contains(file) { stale.append(file) }
        }
        #expect(unlisted.isEmpty, "unsafe code outside the listed storage types:\n\(unlisted.sorted().joined(separator: "\n"))")
        #expect(stale.isEmpty, "confined now, so off the debt list: \(stale.sorted())")
        let missing = Self.notYetConfined.subtracting(sources.keys)
        #expect(missing.isEmpty, "debt entries naming no file: \(missing.sorted())")
    }

    /// Each storage type checks its invariants in release builds too (`precondition`), and a
    /// test calls the check.
    @Test func everyStorageTypeChecksItsInvariantsUnderTest() throws {
        let sources = try Self.swiftFiles(under: "Sources")
        // This file names every type and the check, so it is not a test of any of them.
        let tests = try Self.swiftFiles(under: "Tests").filter { !$0.key.hasSuffix("/UnsafeCodeTests.swift") }
        for storage in Self.storageTypes {
            let text = try #require(sources[storage.file], "\(storage.file) is listed but does not exist")
            // The check may sit in an extension file of its own (`PThreadMutex+Invariants.swift`).
            let stem = storage.file.replacingOccurrences(of: ".swift", with: "+")
            let withExtensions = sources.filter { $0.key == storage.file || $0.key.hasPrefix(stem) }.values.joined(separator: "\n")
            #expect(withExtensions.contains("func _checkInvariants("), "\(storage.file) has no _checkInvariants()")
            #expect(text.contains("precondition"), "\(storage.file) checks nothing in release builds")
            let checked = tests.contains { _, test in test.contains(storage.type) && test.contains("_checkInvariants(") }
            #expect(checked, "no test exercises \(storage.type) and calls _checkInvariants()")
        }
    }

    /// No build setting turns the checks off for a whole module.
    @Test func noModuleBuildsWithChecksOff() throws {
        for manifest in ["Package.swift", "Fuzz/Package.swift", "Benchmarks/Package.swift"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(manifest), encoding: .utf8)
            for flag in ["-Ounchecked", "-enforce-exclusivity=unchecked", "-strict-concurrency=minimal", "-disable-"] {
                #expect(!text.contains(flag), "\(manifest) builds with \(flag)")
            }
        }
    }
}
