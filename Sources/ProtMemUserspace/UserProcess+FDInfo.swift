import ProtMemDMABuf
import ProtMemMemory

extension UserProcess {
    /// The text of `/proc/<pid>/fdinfo/<fd>`, byte for byte as `seq_show` in
    /// `fs/proc/fd.c` and the file's `show_fdinfo` print it:
    ///
    ///     pos:\t0
    ///     flags:\t02000002
    ///     mnt_id:\t16
    ///     ino:\t1
    ///
    /// `flags` is `f_flags` in octal with a leading 0, plus `O_CLOEXEC` when the descriptor
    /// has it. A dma-buf adds `size`, `count` (`file_count`: every descriptor in any process,
    /// every live mapping, every kernel hold), `exp_name`, and `name` once one has been set
    /// (an empty name prints as `name:` and a tab). `ENOENT` when `fd` is not open, as
    /// opening that proc file answers.
    public func fdinfo(_ fd: FileDescriptor) throws(Errno) -> String {
        let slot = try live { state throws(Errno) in
            guard let slot = state.table.slot(fd) else { throw .noSuchFileOrDirectory }
            return slot
        }
        let file = slot.file
        var flags = file.flags
        if slot.closeOnExec { flags.insert(.closeOnExec) }
        var text = "pos:\t\(file.position)\nflags:\t0\(String(flags.rawValue, radix: 8))\nmnt_id:\t\(file.mountID)\nino:\t\(file.inode)\n"
        if case .dmaBuf(let buffer) = file.object, !file.isPath {
            text += "size:\t\(buffer.size)\n"
            text += "count:\t\(buffer.referenceCount)\n"
            text += "exp_name:\t\(buffer.exporterName)\n"
            if let name = buffer.name { text += "name:\t\(name)\n" }
        }
        return text
    }
}
