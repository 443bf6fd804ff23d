import FuzzSupport
import ProtMemSimulation

/// The scenario loader (`Scenario.parse`: YAML through Yams, the unknown-key check, Codable
/// and the value checks) on arbitrary text. A refusal is a `ScenarioError`; nothing traps.
/// Loading only: running what loads belongs to the simulation's own tests.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    do {
        let scenario = try Scenario.parse(text, file: "fuzz.yaml")
        _ = scenario.workloads.count
    } catch {
        _ = error.description
    }
    return 0
}
