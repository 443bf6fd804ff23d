/// Why a scenario file cannot be run: the file, the line and column, the field (a dotted
/// path such as `workloads[1].frame_rate`) and what is wrong, as a compiler would say it.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let field: String
    public let message: String

    public var description: String {
        let place = [file, line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":")
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}
