extension Hypervisor {
    /// A number that changes whenever a protection is added, lifted or given up by its
    /// borrower, as ``SecureMonitor/protectionGeneration`` does: while it stands still
    /// ``protections`` and stage 2's answers are as before, so a caller that asks often (the
    /// invariant checker, judging every read of protected content by the records that cover
    /// it) may keep what it built from them.
    public var protectionGeneration: UInt64 {
        state.withLock { $0.generation }
    }
}
