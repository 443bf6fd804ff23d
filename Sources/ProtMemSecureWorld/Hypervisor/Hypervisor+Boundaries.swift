import ProtMemMemory

extension Hypervisor {
    /// Where the next stage-2 entry begins or ends inside `range`: between entry edges every
    /// page has one state, so stage 2 answers alike (``BusAccessFilter/boundary(in:)``).
    public func boundary(in range: PhysicalRange) -> PhysicalAddress? {
        state.withLock { $0.ownership.boundary(in: range) }
    }
}
