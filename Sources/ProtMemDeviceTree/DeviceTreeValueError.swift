/// A property whose bytes do not fit the type a caller asked for.
///
/// Kept apart from `DeviceTreeError` because it is not about the blob's
/// framing: a well-formed tree can still carry a 3-byte `reg` or a `status`
/// without its NUL, and callers handle that per property, not per blob.
public struct DeviceTreeValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The property (or cell-count property) that could not be decoded.
    public var property: String
    /// What the reader needed.
    public var expected: String
    /// What the property holds instead.
    public var found: String

    public init(property: String, expected: String, found: String) {
        self.property = property
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "property \"\(property)\": expected \(expected), found \(found)"
    }
}
