import Foundation
import Testing

@Suite struct AttackCommandTests {
    static let requiredKeys: Set<String> = ["name", "category", "threat", "expected", "observed", "ok"]
    static let extraKeys: Set<String> = ["board", "note", "let_through"]

    static func objects(_ stdout: String) throws -> [[String: Any]] {
        let parsed = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(parsed as? [[String: Any]], "not a JSON array of objects")
    }

    /// The whole catalogue as JSON: every object has the six keys (plus only the documented
    /// extras), there are at least 40 attacks in at least 8 categories, and the exit status is
    /// 0 exactly when every attack ended as expected, which it must.
    @Test func jsonRunsTheWholeCatalogue() throws {
        let result = try runProtMem(["attack", "--json"])
        let attacks = try Self.objects(result.stdout)
        #expect(attacks.count >= 40)
        #expect(Set(attacks.compactMap { $0["category"] as? String }).count >= 8)
        for attack in attacks {
            let keys = Set(attack.keys)
            #expect(Self.requiredKeys.isSubset(of: keys) && keys.subtracting(Self.requiredKeys).isSubset(of: Self.extraKeys), "keys \(keys.sorted())")
            for key in ["name", "category", "threat", "expected", "observed"] {
                #expect(!((attack[key] as? String) ?? "").isEmpty, "\(attack["name"] ?? "?"): \(key) is empty")
            }
            #expect(attack["ok"] is Bool)
        }
        let names = attacks.compactMap { $0["name"] as? String }
        #expect(Set(names).count == names.count, "names are unique")
        let failed = attacks.filter { ($0["ok"] as? Bool) != true }.compactMap { $0["name"] as? String }
        #expect(result.status == (failed.isEmpty ? 0 : 1), "exit status \(result.status) with \(failed.count) not as expected")
        #expect(result.status == 0, "not as expected: \(failed.joined(separator: ", "))")
    }

    @Test func outputIsDeterministic() throws {
        let first = try runProtMem(["attack", "--json"])
        let second = try runProtMem(["attack", "--json"])
        #expect(first.stdout == second.stdout)
        let text = try runProtMem(["attack"])
        #expect(text.stdout == (try runProtMem(["attack"])).stdout)
    }

    @Test func textRunPrintsALinePerAttackAndASummary() throws {
        let result = try runProtMem(["attack", "cpu-vmap-protected-buffer", "abi-udmabuf-over-protected-dmabuf"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ok    cpu-vmap-protected-buffer") && lines[0].hasSuffix("refused with EINVAL"))
        #expect(lines[1].hasPrefix("ok    abi-udmabuf-over-protected-dmabuf") && lines[1].hasSuffix("refused with EBADFD"))
        #expect(lines[2] == "2 attacks in 2 categories: 2 ended as expected, 0 did not")
    }

    @Test func listNamesEveryAttackWithoutRunningIt() throws {
        let text = try runProtMem(["attack", "--list"])
        #expect(text.status == 0)
        let json = try runProtMem(["attack", "--list", "--json"])
        let attacks = try Self.objects(json.stdout)
        #expect(attacks.count == text.stdout.split(separator: "\n").count)
        #expect(attacks.allSatisfy { $0["observed"] == nil && $0["ok"] == nil && $0["threat"] is String && $0["expected"] is String })
        let first = try #require(attacks.first?["name"] as? String)
        #expect(text.stdout.hasPrefix(first))
    }

    @Test func anUnknownNameIsAnErrorNamingIt() throws {
        let result = try runProtMem(["attack", "cpu-vmap-protected-buffer", "no-such-attack"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\"no-such-attack\""))
        #expect(result.stdout.isEmpty, "nothing runs")
    }
}
