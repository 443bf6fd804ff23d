import Foundation

/// A span of virtual time in nanoseconds as a scenario writes it: `2s`, `500ms`, `16.67ms`,
/// `250us` or `100ns`.
public struct ScenarioDuration: Hashable, Sendable, Codable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public init?(_ text: String) {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let (suffix, scale) = units.first(where: { trimmed.hasSuffix($0.0) }),
              let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value * scale < 1.8e19 else { return nil }
        nanoseconds = UInt64((value * scale).rounded())
    }

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        let text = try single.decode(String.self)
        guard let value = ScenarioDuration(text) else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "expected a duration such as 2s, 500ms, 250us or 100ns, found \"\(text)\"")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        try single.encode(description)
    }

    public var description: String {
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
        return "\(nanoseconds)ns"
    }
}

/// A frame size, written `3840x2160`.
public struct Resolution: Hashable, Sendable, Codable, CustomStringConvertible {
    public var width: UInt32
    public var height: UInt32

    public init(width: UInt32, height: UInt32) {
        self.width = width
        self.height = height
    }

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        let text = try single.decode(String.self)
        let parts = text.split(separator: "x")
        guard parts.count == 2, let w = UInt32(parts[0]), let h = UInt32(parts[1]), w > 0, h > 0, w <= 16384, h <= 16384 else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "expected WIDTHxHEIGHT such as 3840x2160 (each 1…16384), found \"\(text)\"")
        }
        self.init(width: w, height: h)
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        try single.encode(description)
    }

    public var description: String { "\(width)x\(height)" }

    /// Bytes of one NV12 frame (8-bit 4:2:0), page-aligned, as a decoder allocates it.
    public var nv12FrameBytes: UInt64 {
        let bytes = UInt64(width) * UInt64(height) * 3 / 2
        return (bytes + 4095) & ~4095
    }

    /// Bytes of one ARGB8888 frame, page-aligned.
    public var argbFrameBytes: UInt64 {
        (UInt64(width) * UInt64(height) * 4 + 4095) & ~4095
    }
}

/// A size in bytes, written `4096`, `64KiB`, `4MiB` or `1GiB`.
public struct ByteCount: Hashable, Sendable, Codable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let number = try? single.decode(UInt64.self) {
            bytes = number
            return
        }
        let text = try single.decode(String.self)
        let units: [(String, UInt64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        guard let (suffix, scale) = units.first(where: { text.hasSuffix($0.0) }), let value = UInt64(text.dropLast(suffix.count)),
              value.multipliedReportingOverflow(by: scale).overflow == false else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "expected a size such as 4096, 64KiB, 4MiB or 1GiB, found \"\(text)\"")
        }
        bytes = value * scale
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        try single.encode(bytes)
    }

    public var description: String { "\(bytes) B" }
}
