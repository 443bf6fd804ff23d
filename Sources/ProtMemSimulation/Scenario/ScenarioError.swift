/// Why a scenario file cannot be run: the file, the line and column, the field (a dotted
/// path such as `workloads[1].frame_rate`) and what is wrong, as a compiler would say it:
/// `FILE:LINE:COLUMN: error: FIELD: MESSAGE`; a problem with the whole file (it cannot be
/// read, it is not UTF-8) is `FILE: MESSAGE`, as every other unreadable file is reported.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let field: String
    public let message: String

    /// Whether the error has a line in the file (else it is about the whole file).
    public var isLocated: Bool { line != nil }

    public var description: String {
        guard isLocated else { return field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)" }
        let place = [file, line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":")
        return field.isEmpty ? "\(place): error: \(message)" : "\(place): error: \(field): \(message)"
    }
}
