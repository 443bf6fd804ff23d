import ProtMemMemory
import Synchronization

/// Sees every buffer a ``DMABufList`` gains and loses: for simulators and tracers (the
/// kernel has no such hook; its tracepoints are the nearest thing). Called on the thread that
/// exported or released the buffer, outside the list's lock: ``bufferExported(_:)`` once the
/// exporter has taken the buffer's memory, ``bufferReleased(_:)`` once its `release` has given
/// it back, so a heap's occupancy read from either already counts the change.
public protocol DMABufListObserver: AnyObject, Sendable {
    func bufferExported(_ buffer: DMABuf)
    func bufferReleased(_ buffer: DMABuf)
}

/// Every live dma-buf of one modelled kernel: the kernel's `db_list`, with the inode counter
/// and the bus CPU mappings go through.
///
/// One instance per board (never a global), so that independent runs can proceed in
/// parallel without seeing each other's buffers.
public final class DMABufList: Sendable {
    /// The bus CPU mappings of these buffers load and store through.
    public let bus: Bus

    private struct State {
        /// Keyed by inode; inodes only grow, so sorting by inode gives the kernel's
        /// newest-first list order without keeping a linked list.
        var buffers: [UInt64: DMABuf] = [:]
        var lastInode: UInt64 = 0
        var bytes: UInt64 = 0
        var observer: (any DMABufListObserver)?
    }

    private let state = Mutex(State())

    public init(bus: Bus) {
        self.bus = bus
    }

    /// `atomic64_add_return(1, &dmabuf_inode)` in `dma_buf_getfile`: the first buffer is
    /// inode 1, and numbers are never reused.
    func nextInode() -> UInt64 {
        state.withLock { state in
            state.lastInode += 1
            return state.lastInode
        }
    }

    func add(_ buffer: DMABuf) {
        let observer = state.withLock { state in
            state.buffers[buffer.inode] = buffer
            state.bytes += buffer.size
            return state.observer
        }
        observer?.bufferExported(buffer)
    }

    func remove(_ buffer: DMABuf) {
        let observer = state.withLock { state -> (any DMABufListObserver)? in
            guard state.buffers.removeValue(forKey: buffer.inode) != nil else { return nil }
            state.bytes -= buffer.size
            return state.observer
        }
        observer?.bufferReleased(buffer)
    }

    /// Makes `observer` see every buffer exported and released from now on (`nil` stops it).
    /// The list holds it strongly: whoever installs one removes it when done.
    public func observe(with observer: (any DMABufListObserver)?) {
        state.withLock { $0.observer = observer }
    }

    /// Live buffers, newest first (the order `bufinfo` prints them in).
    public var buffers: [DMABuf] {
        state.withLock { $0.buffers.values.sorted { $0.inode > $1.inode } }
    }

    public var count: Int { state.withLock { $0.buffers.count } }
    /// Bytes held by live buffers.
    public var totalBytes: UInt64 { state.withLock { $0.bytes } }

    /// `file->f_mode` for a dma-buf file opened with `flags`: `OPEN_FMODE(flags)`, plus
    /// `FMODE_LSEEK` (the fops have `llseek`) and `FMODE_OPENED`. No `FMODE_CAN_READ`/`WRITE`:
    /// the fops have no read or write.
    static func fileMode(for flags: OpenFlags) -> UInt32 {
        let openMode = (flags.rawValue &+ 1) & 0o3
        return openMode | 0x4 | 0x80000
    }

    /// The flags `dma_buf_getfile` keeps in `file->f_flags`: `O_ACCMODE | O_NONBLOCK` (so
    /// `O_CLOEXEC` lives only in the fd table).
    static func fileFlags(for flags: OpenFlags) -> OpenFlags {
        flags.intersection([.accessModeMask, .nonBlocking])
    }

    /// The text of debugfs `dma_buf/bufinfo` (`dma_buf_debug_show`), byte for byte. The
    /// model has no fences, so `dma_resv_describe` adds nothing, as on an idle kernel.
    public func bufinfo() -> String {
        let buffers = self.buffers
        var out = "\nDma-buf Objects:\n"
        out += "\(pad("size"))\t\(pad("flags"))\t\(pad("mode"))\t\(pad("count"))\texp_name\t\(pad("ino"))\tname\n"
        var total: UInt64 = 0
        for buffer in buffers {
            let (count, name, devices) = buffer.state.withLock { state in
                (state.count, state.name, state.attachments.map(\.device.name))
            }
            out += zeroPadded(String(buffer.size), 8) + "\t"
            out += zeroPadded(String(buffer.fileFlags.rawValue, radix: 16), 8) + "\t"
            out += zeroPadded(String(buffer.fileMode, radix: 16), 8) + "\t"
            out += zeroPadded(String(count), 8) + "\t"
            out += buffer.exporterName + "\t"
            out += zeroPadded(String(buffer.inode), 8) + "\t"
            out += (name ?? "<none>") + "\n"
            out += "\tAttached Devices:\n"
            for device in devices { out += "\t\(device)\n" }
            out += "Total \(devices.count) devices attached\n\n"
            total += buffer.size
        }
        out += "\nTotal \(buffers.count) objects, \(total) bytes\n"
        return out
    }

    /// `%-8s`
    private func pad(_ text: String) -> String {
        text.count >= 8 ? text : text + String(repeating: " ", count: 8 - text.count)
    }

    /// `%08…`
    private func zeroPadded(_ digits: String, _ width: Int) -> String {
        digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
