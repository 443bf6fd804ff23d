import ProtMemDMABuf

/// One row of `protmem heaps`: a registered heap as a user sees it.
public struct HeapSummary: Hashable, Sendable, Codable {
    public let name: String
    public let kind: String
    public let size: UInt64
    public let free: UInt64
    public let protected: Bool
}

extension Board {
    /// The registered heaps in registration order.
    public var heapSummaries: [HeapSummary] {
        heaps.heaps.map { heap in
            let stats = heap.ops.statistics
            return HeapSummary(name: heap.name, kind: stats.kind, size: stats.size, free: stats.free, protected: stats.isProtected)
        }
    }
}
