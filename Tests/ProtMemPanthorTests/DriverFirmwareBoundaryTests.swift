import Foundation
import Testing

/// The CSF firmware model and the Panthor driver meet where the hardware has them meet: the
/// shared interface section, the rings in GPU memory, doorbells and interrupts. The compiler
/// keeps the firmware from the driver (ProtMemCSF does not depend on ProtMemPanthor); these
/// tests keep the build that way, and keep the firmware's surface to the lines a host has.
@Suite struct DriverFirmwareBoundaryTests {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Each target of Package.swift and the ProtMem targets it depends on.
    static func targetDependencies() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [String: Set<String>] = [:]
        let starts = try Regex(#"\.(?:target|executableTarget|testTarget)\(\s*name:\s*"([A-Za-z]+)""#)
        for match in manifest.matches(of: starts) {
            let name = String(match.output[1].substring!)
            // The target's own arguments: up to the parenthesis that closes `.target(`.
            var depth = 0
            var end = match.range.lowerBound
            for index in manifest[match.range.lowerBound...].indices {
                if manifest[index] == "(" { depth += 1 }
                if manifest[index] == ")" { depth -= 1; if depth == 0 { end = index; break } }
            }
            let arguments = manifest[match.range.upperBound..<end]
            var dependencies: Set<String> = []
            if let list = arguments.range(of: "dependencies:") {
                let rest = arguments[list.upperBound...]
                let close = rest.firstIndex(of: "]") ?? rest.endIndex
                for quoted in rest[..<close].matches(of: try Regex(#""(ProtMem[A-Za-z]*|protmem)""#)) {
                    dependencies.insert(String(quoted.output[1].substring!))
                }
            }
            targets[name] = dependencies
        }
        return targets
    }

    static func closure(of target: String, in graph: [String: Set<String>]) -> Set<String> {
        var seen: Set<String> = []
        var pending = Array(graph[target] ?? [])
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            pending += graph[next] ?? []
        }
        return seen
    }

    /// The Swift files of `folder` under Sources, with their text less comments.
    static func code(under folder: String) throws -> [String: String] {
        let base = root.appendingPathComponent("Sources").appendingPathComponent(folder)
        let names = try #require(FileManager.default.enumerator(atPath: base.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var files: [String: String] = [:]
        for name in names {
            let text = try String(contentsOf: base.appendingPathComponent(name), encoding: .utf8)
            files[name] = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.components(separatedBy: "//")[0] }.joined(separator: "\n")
        }
        return files
    }

    @Test func theFirmwareTargetDoesNotDependOnTheDriver() throws {
        let graph = try Self.targetDependencies()
        #expect(graph["ProtMemCSF"] != nil, "no ProtMemCSF target in Package.swift")
        #expect(graph["ProtMemPanthor"]?.contains("ProtMemCSF") == true, "the driver is built on the firmware's target")
        let below = Self.closure(of: "ProtMemCSF", in: graph)
        #expect(!below.contains("ProtMemPanthor"), "ProtMemCSF depends on the driver through \(below.sorted())")
        // Nor on anything built on the driver.
        let onDriver = graph.keys.filter { Self.closure(of: $0, in: graph).contains("ProtMemPanthor") }
        #expect(below.isDisjoint(with: onDriver), "ProtMemCSF depends on \(below.intersection(onDriver).sorted()), built on the driver")
        // The firmware's own tests drive it with no driver in their build.
        #expect(graph["ProtMemCSFTests"] != nil && !Self.closure(of: "ProtMemCSFTests", in: graph).contains("ProtMemPanthor"),
                "ProtMemCSFTests missing or built on the driver")
        // The devices moved out of the GPU's module stand apart from it.
        #expect(graph["ProtMemDevices"] != nil, "no ProtMemDevices target in Package.swift")
        let devices = Self.closure(of: "ProtMemDevices", in: graph)
        #expect(!devices.contains("ProtMemPanthor") && !devices.contains("ProtMemCSF"), "ProtMemDevices depends on the GPU: \(devices.sorted())")
    }

    @Test func theFirmwareModelNamesNoDriverType() throws {
        let files = try Self.code(under: "ProtMemCSF")
        #expect(files.count > 20, "ProtMemCSF's sources not found")
        let driverTypes = ["PanthorCore", "PanthorDevice", "PanthorGroup", "PanthorVM", "GroupHandle", "VMHandle", "JobHandle", "JobState",
                           "JobFailure", "GroupFailure", "GroupState", "PanthorTraceEvent", "PanthorMetrics", "PanthorEvent", "LoadedFirmware",
                           "ProtectedMemorySource", "ProtMemPanthor", "ProtMemHeaps"]
        var found: [String] = []
        for (file, text) in files {
            for name in driverTypes where text.range(of: #"\b"# + name + #"\b"#, options: .regularExpression) != nil {
                found.append("\(file): \(name)")
            }
            for line in text.split(separator: "\n") where line.contains("import ") {
                let module = line.split(separator: " ").last.map(String.init) ?? ""
                if !["ProtMemMemory", "ProtMemDMABuf", "ProtMemTime", "Synchronization"].contains(module) { found.append("\(file): imports \(module)") }
            }
        }
        #expect(found.isEmpty, "the firmware model reaches the driver: \(found.sorted())")
    }

    /// What the host can do to the firmware is what a host can do to an MCU: boot it, reset
    /// it, power it off, ring its doorbells, let its timers run out, inject the documented
    /// faults, and read what it asked for (its actions) and counted. Everything else of the
    /// firmware's is internal to its module, so the driver reaches it only through the
    /// interface section, the rings, the registers and these lines.
    @Test func theFirmwaresSurfaceIsTheHostsLines() throws {
        let files = try Self.code(under: "ProtMemCSF/Firmware")
        var surface: Set<String> = []
        let declaration = try Regex(#"^    package (?:(?:internal|private)\(set\) )?(?:mutating )?(?:func|var|let|init)\s*([A-Za-z_]*)"#)
        for (file, text) in files where file.hasPrefix("CSFFirmware.") || file.hasPrefix("CSFFirmware+") {
            for line in text.split(separator: "\n") {
                if let match = String(line).firstMatch(of: declaration) { surface.insert(String(match.output[1].substring!)) }
            }
        }
        let lines: Set<String> = ["parameters", "metrics", "actions", "actionCount", "clearActions", "faults", "warnings", "", "boot", "powerOff", "reset", "ignoreNextProtectedModeEnter",
                                  "injectProtectedModeFault", "doorbell", "complete", "activateProtectedMode", "_checkInvariants"]
        #expect(surface == lines, "the firmware's package surface changed: added \(surface.subtracting(lines).sorted()), gone \(lines.subtracting(surface).sorted())")
        // The firmware's own per-slot state is never named outside its module.
        let driver = try Self.code(under: "ProtMemPanthor")
        let named = driver.filter { $0.value.contains("CSFFirmwareState") }.keys
        #expect(named.isEmpty, "the driver names the firmware's state: \(named.sorted())")
    }
}
