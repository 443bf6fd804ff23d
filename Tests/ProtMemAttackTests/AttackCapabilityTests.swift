import Foundation
import Testing

/// Attacks use normal-world capabilities only. Until the secure world's powers sit behind
/// `@_spi(SecureWorld)` the compiler cannot say so, so this reads the catalogue's sources: no
/// secure or protected-mode bus master, no firewall or stage-2 programming, no scrub as the
/// secure world, no fault injection, no bus observer of the attacker's own, no new masters.
@Suite struct AttackCapabilityTests {
    static let forbidden = [
        ".cpuSecure", ".gpuProtected", "BusMaster(", ".protect(", ".unprotect(", "monitor.scrub(", "firewall.", "FirewallProgrammer",
        "faultInjector", "failNext", "observe(with", "killSessions", ".inject(", "ProtMemTestSupport",
    ]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ProtMemAttacks")
    }

    @Test func theCatalogueUsesNoSecureWorldPower() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(!files.isEmpty)
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                for token in Self.forbidden where line.contains(token) {
                    Issue.record("\(file.lastPathComponent):\(number + 1) uses \(token): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
    }
}
