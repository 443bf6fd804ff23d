import Foundation
import Testing

/// The secure side is reachable from normal-world code only through the SMC/FF-A boundary:
/// `@_spi(SecureWorld)` is the capability, and only the files below may import it. A new
/// importer is a change to the threat model and must be added here, with its reason.
@Suite struct SecureBoundaryTests {
    /// Files outside `ProtMemSecureWorld` allowed the secure world's SPI, and why.
    static let allowed: [String: String] = [
        "ProtMemBoard/Board.swift": "the board is the hardware: it boots the secure world (firewall, OP-TEE, TAs, hypervisor)",
        "ProtMemBoard/DeviceTree/BoardConfiguration+ReservedRegion.swift": "boot firmware firewalls the tree's protected regions",
        "ProtMemCSF/Hardware/GPUMemoryAccess.swift": "the GPU hardware's protected-mode identity",
        "ProtMemCSF/Hardware/PhysicalChunks+Privileged.swift": "scatter transfers for the GPU's protected mode",
        "ProtMemSimulation/InvariantChecker.swift": "the oracle: it observes every transaction and reads free protected memory",
        "ProtMemSimulation/Engine/FaultInjector.swift": "the harness's fault injection: OP-TEE refusing reclaims, as a secure endpoint holding the memory would",
        "ProtMemTestSupport/HeapConformance.swift": "tests read protected heaps as the secure CPU",
    ]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
    }

    @Test func onlyListedFilesImportTheSecureWorldSPI() throws {
        let root = Self.sources
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 100, "Sources not found at \(root.path)")
        var importers: Set<String> = []
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("@_spi(SecureWorld)") else { continue }
            if file.hasPrefix("ProtMemSecureWorld/") || file.hasPrefix("ProtMemMemory/") { continue }
            importers.insert(file)
        }
        let unexpected = importers.subtracting(Self.allowed.keys)
        #expect(unexpected.isEmpty, "files that reach the secure side without being listed: \(unexpected.sorted())")
        let stale = Set(Self.allowed.keys).subtracting(importers)
        #expect(stale.isEmpty, "listed files that no longer need the SPI: \(stale.sorted())")
    }

    @Test func normalWorldCodeForgesNoBusMaster() throws {
        // A master's bits are the interconnect's: rebuilding one from raw bytes would make any
        // identity. No source outside the memory module may reinterpret memory as a master.
        let root = Self.sources
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        for file in files where !file.hasPrefix("ProtMemMemory/") {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for forbidden in ["as: BusMaster.self", "to: BusMaster.self", "unsafeBitCast"] {
                #expect(!text.contains(forbidden), "\(file) uses \(forbidden)")
            }
        }
    }
}
