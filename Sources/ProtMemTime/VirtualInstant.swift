/// A point on the simulation's clock: nanoseconds since the run started.
///
/// A distinct type from ``VirtualDuration`` so a deadline can never be passed where a delay is
/// expected. The clock starts at ``zero`` and never reads the host's wall clock, so a run is a
/// pure function of its inputs.
public struct VirtualInstant: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible, BitwiseCopyable {
    /// Nanoseconds since the start of the run.
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(nanoseconds: UInt64) { self.rawValue = nanoseconds }

    public static let zero = VirtualInstant(rawValue: 0)
    /// The furthest representable instant; adding past it saturates here.
    public static let distantFuture = VirtualInstant(rawValue: .max)

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// `self + duration`, saturating at ``distantFuture`` rather than wrapping.
    @inlinable public static func + (instant: Self, duration: VirtualDuration) -> Self {
        let (sum, overflow) = instant.rawValue.addingReportingOverflow(duration.nanoseconds)
        return Self(rawValue: overflow ? .max : sum)
    }

    /// The time from `earlier` to `self`, zero when `earlier` is later.
    @inlinable public func duration(since earlier: Self) -> VirtualDuration {
        VirtualDuration(nanoseconds: rawValue >= earlier.rawValue ? rawValue - earlier.rawValue : 0)
    }

    /// Microseconds with fractions, as Chrome trace events want them.
    public var microseconds: Double { Double(rawValue) / 1_000 }

    public var description: String { VirtualDuration(nanoseconds: rawValue).description }
}

/// A length of virtual time, in nanoseconds.
public struct VirtualDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64
    @inlinable public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = VirtualDuration(nanoseconds: 0)

    @inlinable public static func nanoseconds(_ n: UInt64) -> Self { Self(nanoseconds: n) }
    /// Saturates at `UInt64.max` nanoseconds (about 584 years).
    @inlinable public static func microseconds(_ n: UInt64) -> Self { scaled(n, 1_000) }
    @inlinable public static func milliseconds(_ n: UInt64) -> Self { scaled(n, 1_000_000) }
    @inlinable public static func seconds(_ n: UInt64) -> Self { scaled(n, 1_000_000_000) }

    @inlinable static func scaled(_ n: UInt64, _ factor: UInt64) -> Self {
        let (product, overflow) = n.multipliedReportingOverflow(by: factor)
        return Self(nanoseconds: overflow ? .max : product)
    }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }

    @inlinable public static func + (a: Self, b: Self) -> Self {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
        return Self(nanoseconds: overflow ? .max : sum)
    }

    /// `a - b`, zero when `b` is longer.
    @inlinable public static func - (a: Self, b: Self) -> Self {
        Self(nanoseconds: a.nanoseconds >= b.nanoseconds ? a.nanoseconds - b.nanoseconds : 0)
    }

    /// The largest unit that divides the value exactly: `4000 ms`, `12 µs`, `7 ns`.
    public var description: String {
        for (unit, name) in [(UInt64(1_000_000_000), "s"), (1_000_000, "ms"), (1_000, "µs")]
        where nanoseconds >= unit && nanoseconds % unit == 0 {
            return "\(nanoseconds / unit) \(name)"
        }
        return "\(nanoseconds) ns"
    }
}
