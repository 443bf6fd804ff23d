/// Something on the path to DRAM that may refuse a transaction: a TZC-400 in front of the
/// memory controller, a hypervisor's stage-2 tables, an IOMMU.
///
/// Filters can only refuse, never grant, so adding one can never weaken what the others
/// enforce. A filter must judge a whole range at once, never byte by byte.
public protocol BusAccessFilter: AnyObject, Sendable {
    /// The name a fault reports as its source, e.g. "tzc400".
    var filterName: String { get }

    /// `nil` when `master` may perform `kind` on every byte of `range`; otherwise the first
    /// refused address and why.
    func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)?

    /// Whether `master` may perform `kind` on every byte of `range`: ``check(_:_:_:)`` without
    /// building a reason, for callers that only need the answer (it runs on hot paths).
    func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool
}

extension BusAccessFilter {
    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        check(master, range, kind) == nil
    }
}
