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

    /// The lowest address above `range.base` and below `range.end` where this filter's answer,
    /// for any master and either kind of access, may differ from its answer at `range.base`;
    /// `nil` when it answers alike for the whole of `range`.
    ///
    /// Lets a caller ask where memory is open without asking page by page (the invariant
    /// checker, over a protected buffer of thousands of pages, after every event): split the
    /// range here and ``permits(_:_:_:)`` answers each piece for all of its bytes. A filter
    /// that keeps its decisions as a few ranges (firewall regions, stage-2 entries) answers
    /// from them, in O(ranges).
    func boundary(in range: PhysicalRange) -> PhysicalAddress?
}

extension BusAccessFilter {
    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        check(master, range, kind) == nil
    }

    /// The next 4 KiB page boundary: right for any filter that decides no finer than a page
    /// (a TZC-400's granule, a stage-2 page), and costs a question per page.
    public func boundary(in range: PhysicalRange) -> PhysicalAddress? {
        let next = (range.base.rawValue | (pageSize - 1)) &+ 1
        return next != 0 && next < range.end ? PhysicalAddress(next) : nil
    }
}
