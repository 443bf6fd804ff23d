import ProtMemMemory

/// One process's descriptor table: `struct files_struct`.
///
/// A descriptor is a slot holding a reference to an open file description and the
/// close-on-exec bit, which belongs to the slot, not the file (so `dup` clears it and
/// `FIOCLEX` on one descriptor leaves its duplicates alone). New descriptors take the lowest
/// free number, as `alloc_fd` does, below the `RLIMIT_NOFILE` soft limit.
///
/// A value type: the process keeps it under its lock and changes it in place.
struct FileDescriptorTable {
    /// Linux's default `RLIMIT_NOFILE` soft limit.
    static let limit = 1024

    struct Slot {
        let file: OpenFileDescription
        var closeOnExec: Bool
    }

    private(set) var slots: [Slot?] = []
    /// `next_fd`: no free slot lies below it, so the search for the lowest starts there.
    private var searchStart = 0

    /// `get_unused_fd_flags` + `fd_install`: puts `file` (whose reference the caller hands
    /// over) in the lowest free slot; `EMFILE` at the limit.
    mutating func install(_ file: OpenFileDescription, closeOnExec: Bool) throws(Errno) -> FileDescriptor {
        var index = searchStart
        while index < slots.count, slots[index] != nil { index += 1 }
        guard index < Self.limit else { throw .tooManyOpenFiles }
        if index == slots.count { slots.append(nil) }
        slots[index] = Slot(file: file, closeOnExec: closeOnExec)
        searchStart = index + 1
        return FileDescriptor(rawValue: Int32(index))
    }

    func slot(_ fd: FileDescriptor) -> Slot? {
        guard fd.rawValue >= 0, Int(fd.rawValue) < slots.count else { return nil }
        return slots[Int(fd.rawValue)]
    }

    /// Empties the slot and hands back its reference, or `nil` when it was not open.
    mutating func remove(_ fd: FileDescriptor) -> Slot? {
        guard let slot = slot(fd) else { return nil }
        slots[Int(fd.rawValue)] = nil
        searchStart = min(searchStart, Int(fd.rawValue))
        while let last = slots.last, last == nil { slots.removeLast() }
        return slot
    }

    mutating func setCloseOnExec(_ fd: FileDescriptor, _ on: Bool) -> Bool {
        guard slot(fd) != nil else { return false }
        slots[Int(fd.rawValue)]!.closeOnExec = on
        return true
    }

    /// Empties every slot that matches, lowest first, handing their references back.
    mutating func removeAll(where predicate: (Slot) -> Bool) -> [Slot] {
        var removed: [Slot] = []
        for index in slots.indices {
            if let slot = slots[index], predicate(slot) {
                removed.append(slot)
                slots[index] = nil
            }
        }
        searchStart = slots.firstIndex { $0 == nil } ?? slots.count
        while let last = slots.last, last == nil { slots.removeLast() }
        return removed
    }

    var openDescriptors: [FileDescriptor] {
        slots.indices.filter { slots[$0] != nil }.map { FileDescriptor(rawValue: Int32($0)) }
    }

    func _checkInvariants() {
        precondition(slots.count <= Self.limit, "descriptor table beyond RLIMIT_NOFILE")
        precondition(slots.last.map { $0 != nil } ?? true, "descriptor table keeps trailing empty slots")
        precondition(slots[..<min(searchStart, slots.count)].allSatisfy { $0 != nil }, "a free slot lies below next_fd")
        for slot in slots.compactMap({ $0 }) {
            precondition(slot.file.referenceCount > 0, "a descriptor holds a released file: \(slot.file)")
        }
    }
}
