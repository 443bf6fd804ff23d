import Foundation
import ProtMemBoard
import ProtMemTestSupport
import Testing

/// Documentation/bindings: every `protmem,` name has a dt-schema document with the keys
/// dt-schema requires, and every example compiles with dtc and builds a board.
@Suite struct BindingDocumentTests {
    static let directory = BoardBlobs.packageRoot.appendingPathComponent("Documentation/bindings")
    static let python = BoardBlobs.tool("python3")
    /// python3 with PyYAML reads the documents (dt-schema itself is Python).
    static let canParse: Bool = {
        guard let python else { return false }
        return (try? BoardBlobs.run(python, ["-c", "import yaml"]))?.status == 0
    }()

    static var documents: [URL] {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        return (enumerator?.compactMap { $0 as? URL } ?? []).filter { $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }
    }

    /// A document as JSON-compatible values.
    static func load(_ url: URL) throws -> [String: Any] {
        let script = "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        let result = try BoardBlobs.run(try #require(python), ["-c", script, url.path])
        #expect(result.status == 0, "\(url.lastPathComponent): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: canParse, "python3 with PyYAML not installed"))
    func documentsHaveTheSchemaKeysAndCoverEveryProtMemName() throws {
        #expect(Self.documents.count == 7)
        var documented: Set<String> = []
        for url in Self.documents {
            let document = try Self.load(url)
            let relative = url.path.replacingOccurrences(of: Self.directory.path + "/", with: "")
            #expect(document["$id"] as? String == "http://devicetree.org/schemas/\(relative)#", "\(relative)")
            #expect(document["$schema"] as? String == "http://devicetree.org/meta-schemas/core.yaml#", "\(relative)")
            #expect((document["title"] as? String)?.isEmpty == false, "\(relative)")
            #expect((document["maintainers"] as? [String])?.isEmpty == false, "\(relative)")
            #expect((document["description"] as? String)?.isEmpty == false, "\(relative)")
            #expect((document["required"] as? [String])?.contains("compatible") == true, "\(relative)")
            #expect(document["additionalProperties"] as? Bool == false, "\(relative)")
            #expect((document["examples"] as? [String])?.isEmpty == false, "\(relative)")
            let properties = try #require(document["properties"] as? [String: Any], "\(relative)")
            documented.formUnion(properties.keys)
            if let compatible = properties["compatible"] as? [String: Any], let constant = compatible["const"] as? String {
                documented.insert(constant)
            }
        }
        for name in ProtMemBinding.protmemNames {
            #expect(documented.contains(name), "\(name) has no binding document")
        }
    }

    @Test(.enabled(if: canParse && BoardBlobs.hasDTC, "python3/PyYAML or dtc not installed"))
    func everyExampleCompilesAndBuildsABoard() throws {
        let dtc = try #require(BoardBlobs.tool("dtc"))
        for url in Self.documents {
            for (index, example) in (try Self.load(url)["examples"] as? [String] ?? []).enumerated() {
                let source = """
                    /dts-v1/;
                    / {
                        model = "binding example";
                        #address-cells = <2>;
                        #size-cells = <2>;
                        memory@40000000 {
                            device_type = "memory";
                            reg = <0x0 0x40000000 0x0 0x80000000>;
                        };
                    \(example)
                    };
                    """
                let input = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-example-\(UUID().uuidString).dts")
                let output = input.deletingPathExtension().appendingPathExtension("dtb")
                defer { for file in [input, output] { try? FileManager.default.removeItem(at: file) } }
                try Data(source.utf8).write(to: input)
                let result = try BoardBlobs.run(dtc, ["-q", "-I", "dts", "-O", "dtb", "-o", output.path, input.path])
                #expect(result.status == 0, "\(url.lastPathComponent) example \(index): \(result.stderr)")
                guard result.status == 0 else { continue }
                do {
                    let description = try BoardBuilder.build(blob: [UInt8](Data(contentsOf: output)))
                    _ = try Board(description.configuration)
                } catch {
                    Issue.record("\(url.lastPathComponent) example \(index): \(error)")
                }
            }
        }
    }
}
