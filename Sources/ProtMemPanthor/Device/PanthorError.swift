import ProtMemMemory

/// Why the driver refused a probe or a protected-memory hand-over: the errno the kernel would
/// return, and what exactly went wrong.
public struct PanthorError: Error, Hashable, Sendable, CustomStringConvertible {
    public let errno: Errno
    public let reason: String

    public init(_ errno: Errno, _ reason: String) {
        self.errno = errno
        self.reason = reason
    }

    public var description: String { "\(reason) (\(errno.name))" }

    /// Lets `catch Errno.probeDefer` style matching work on the errno.
    public static func ~= (errno: Errno, error: PanthorError) -> Bool { error.errno == errno }
}
