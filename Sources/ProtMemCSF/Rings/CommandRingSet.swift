/// One group's rings and the GPU address space its jobs run in (the CSG's address space, which
/// the host programs when it binds the group).
package struct CommandRingSet {
    package let space: GPUAddressSpace
    package var rings: [CommandStreamRing]

    package init(space: GPUAddressSpace, queueCount: Int) {
        self.space = space
        self.rings = Array(repeating: CommandStreamRing(), count: queueCount)
    }

    /// Has work that has not finished: jobs queued, running or waiting for protected mode.
    /// Asked of every group on every tick; by index, so no copy of the rings is retained.
    package var hasWork: Bool {
        var queue = 0
        while queue < rings.count {
            if !rings[queue].isEmpty { return true }
            queue += 1
        }
        return false
    }

    /// Whether the next job of `queue` lies in a protected region; `nil` when there is no such
    /// queue or its ring is empty.
    func nextIsProtected(queue: Int) -> Bool? {
        queue < rings.count ? rings[queue].nextIsProtected : nil
    }

    /// Where job `sequence` of `queue` stands, when the queue holds it (not forgotten yet).
    /// Not generic, as everything the driver's module calls every step: a generic call across
    /// modules that is not specialised looks its types' metadata up at run time.
    package func progress(queue: Int, sequence: UInt64) -> JobProgress? {
        guard let index = entryIndex(queue: queue, sequence: sequence) else { return nil }
        return rings[queue].ring[index].progress
    }

    /// Where job `sequence` of `queue` stands, with what it read or why it failed.
    package func status(queue: Int, sequence: UInt64) -> CommandStreamRing.Status? {
        guard let index = entryIndex(queue: queue, sequence: sequence) else { return nil }
        return rings[queue].ring[index].status
    }

    @inline(__always)
    private func entryIndex(queue: Int, sequence: UInt64) -> Int? {
        guard queue >= 0, queue < rings.count, sequence < UInt64(rings[queue].ring.count),
              sequence >= UInt64(rings[queue].ring.startIndex) else { return nil }
        return Int(sequence)
    }

    /// The fault of the last job of `queue` that failed with one, among those finished.
    package func lastFault(queue: Int) -> GPUFault? {
        rings[queue].ring[..<rings[queue].extract].reversed().lazy.compactMap { entry -> GPUFault? in
            if case .faulted(let fault) = entry.status { fault } else { nil }
        }.first
    }

    /// Appends `entry` to `queue`'s ring (forgetting old finished jobs at each chunk boundary);
    /// cancelled at once when `cancelled` (its group has failed). Returns its index.
    @inline(__always)
    package mutating func append(_ entry: consuming CommandStreamRing.Entry, queue: Int, cancelled: Bool) -> Int {
        let index = rings[queue].ring.count
        if index & 0xff == 0 { rings[queue].ring.retire(finishedBelow: rings[queue].extract) }
        rings[queue].ring.append(entry)
        if cancelled {
            rings[queue].ring[index].cancel()
            rings[queue].extract = rings[queue].ring.count
        }
        return index
    }

    /// Cancels every job of `queue` not finished yet (its group failed); returns the range of
    /// their indices.
    package mutating func cancelJobs(queue: Int) -> (Int, Int) {
        let first = rings[queue].extract
        let end = rings[queue].ring.count
        for index in first..<end { rings[queue].ring[index].cancel() }
        rings[queue].extract = end
        return (first, end)
    }

    /// A reset the group survives: each queue's running or waiting job back at the ring's head.
    package mutating func requeueHeads() {
        for queue in rings.indices where !rings[queue].isEmpty {
            rings[queue].ring[rings[queue].extract].setQueued()
        }
    }

    /// Jobs the rings hold, finished ones not yet forgotten included.
    package var heldJobs: Int {
        var held = 0
        for ring in rings { held += ring.ring.count - ring.ring.startIndex }
        return held
    }

    /// Checks that every queue's extract pointer lies in its ring (`precondition`).
    package func _checkInvariants(_ owner: String) {
        for ring in rings {
            precondition(ring.extract >= 0 && ring.extract <= ring.ring.count, "\(owner): extract \(ring.extract) past its ring")
        }
    }
}
