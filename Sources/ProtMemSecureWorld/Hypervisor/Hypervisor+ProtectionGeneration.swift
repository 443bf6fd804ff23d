extension Hypervisor {
    /// A number that changes whenever a protection is added or lifted, as
    /// ``SecureMonitor/protectionGeneration`` does: while it stands still ``protections``
    /// answers as before, so a caller that asks often (the invariant checker, judging every
    /// read of protected content by the records that cover it) may keep what it built from them.
    ///
    /// It counts the changes: records are added only by a transaction that takes a fresh
    /// handle and lifted only with their handle, so twice the next handle less the handles
    /// still live moves by one with every change and never goes back. A change to the
    /// records that kept its handle would have to move this too.
    public var protectionGeneration: UInt64 {
        state.withLock { state in state.nextHandle &* 2 &- UInt64(state.records.count) }
    }
}
