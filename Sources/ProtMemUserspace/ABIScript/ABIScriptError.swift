/// A script line the runner refused before running it: which line and what is wrong. The
/// run stops there (`protmem abi run` exits with status 2).
public struct ABIScriptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The line's physical number, from 1.
    public let line: Int
    public let problem: String

    public init(line: Int, problem: String) {
        self.line = line
        self.problem = problem
    }

    public var description: String { "line \(line): \(problem)" }
}
