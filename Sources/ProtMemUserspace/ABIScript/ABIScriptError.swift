/// A script line the runner refused before running it: which line, where in it, and what is
/// wrong. The run stops there (`protmem abi run` exits with status 2).
public struct ABIScriptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The line's physical number, from 1.
    public let line: Int
    /// Where on the line, in bytes from 1: the JSON syntax error, the field's value (or its
    /// key, for a field the op does not take); 1 for the line as a whole.
    public let column: Int
    public let problem: String

    public init(line: Int, column: Int = 1, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    public var description: String { "line \(line): \(problem)" }

    /// The message as every located error of protmem prints it, a compiler's
    /// `FILE:LINE:COLUMN: error: PROBLEM` (as ``ScenarioError`` in ProtMemSimulation does).
    public func diagnostic(file: String) -> String { "\(file):\(line):\(column): error: \(problem)" }
}
