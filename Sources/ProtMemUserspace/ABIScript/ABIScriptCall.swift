/// One line of an ABI script, decoded: the call and its arguments, with the names it refers
/// to still unresolved. See `../shared/reference/abi-script.md` for the format.
public enum ABIScriptCall: Equatable, Sendable {
    case open(path: String, flags: UInt32, as: String)
    case alloc(fd: String, length: UInt64, fdFlags: UInt32, heapFlags: UInt64, inFD: UInt32, as: String)
    case ioctl(fd: String, request: UInt32, argument: [UInt8])
    case sync(fd: String, flags: UInt64)
    case setName(fd: String, name: String)
    case mmap(fd: String, length: UInt64, offset: UInt64, protection: UInt32, flags: UInt32, as: String)
    case write(map: String, offset: UInt64, bytes: [UInt8])
    case read(map: String, offset: UInt64, length: UInt64)
    case munmap(map: String)
    case fdinfo(fd: String)
    case dup(fd: String, as: String)
    case close(fd: String)
    case memfd(length: UInt64, seals: UInt32, as: String)
    case udmabufCreate(fd: String, memfd: String, offset: UInt64, size: UInt64, flags: UInt32, as: String)
    /// A render-node op (`/dev/dri/renderD128`): see ``ABIScriptDRMCall``.
    case drm(ABIScriptDRMCall)

    /// The most bytes one `read` line may load: 16 MiB, the script's own limit (Linux puts
    /// none on loads from a mapping). A read's bytes are printed as hex on one line, so this
    /// bounds what a line costs to run and to print (a 1.5 GiB read took more than 8 GiB);
    /// a longer `len` is a malformed line, refused before anything of it runs.
    public static let maximumReadLength: UInt64 = 16 << 20

    /// The `op` as the script spells it.
    public var op: String {
        switch self {
        case .open: "open"
        case .alloc: "alloc"
        case .ioctl: "ioctl"
        case .sync: "sync"
        case .setName: "set_name"
        case .mmap: "mmap"
        case .write: "write"
        case .read: "read"
        case .munmap: "munmap"
        case .fdinfo: "fdinfo"
        case .dup: "dup"
        case .close: "close"
        case .memfd: "memfd"
        case .udmabufCreate: "udmabuf_create"
        case .drm(let call): call.op
        }
    }

    /// The fields each op takes; `required` must be present, the rest default to 0 (or empty).
    static let fields: [String: (required: [String], optional: [String])] = [
        "open": (["path", "flags", "as"], []),
        "alloc": (["fd", "len", "fd_flags", "heap_flags", "as"], ["in_fd"]),
        "ioctl": (["fd", "request"], ["arg_hex"]),
        "sync": (["fd", "flags"], []),
        "set_name": (["fd", "name"], []),
        "mmap": (["fd", "len", "prot", "flags", "as"], ["offset"]),
        "write": (["map", "hex"], ["offset"]),
        "read": (["map", "len"], ["offset"]),
        "munmap": (["map"], []),
        "fdinfo": (["fd"], []),
        "dup": (["fd", "as"], []),
        "close": (["fd"], []),
        "memfd": (["len", "as"], ["seals"]),
        "udmabuf_create": (["fd", "memfd", "size", "as"], ["offset", "flags"]),
    ]

    /// What a name must stand for.
    enum ReferenceKind: Sendable {
        case descriptor, mapping, handle
    }

    /// The fields of this call that name an object: the field, the name, and what it must
    /// name.
    var references: [(field: String, name: String, kind: ReferenceKind)] {
        switch self {
        case .drm(let call):
            var references: [(field: String, name: String, kind: ReferenceKind)] = [("fd", call.fd, .descriptor)]
            if let buffer = call.buffer { references.append(("buf", buffer, .descriptor)) }
            for (field, name) in call.handles.sorted(by: { $0.key < $1.key }) { references.append((field, name, .handle)) }
            return references
        case .open, .memfd: return []
        case .alloc(let fd, _, _, _, _, _), .ioctl(let fd, _, _), .sync(let fd, _), .setName(let fd, _),
             .mmap(let fd, _, _, _, _, _), .fdinfo(let fd), .dup(let fd, _), .close(let fd):
            return [("fd", fd, .descriptor)]
        case .write(let map, _, _), .read(let map, _, _), .munmap(let map):
            return [("map", map, .mapping)]
        case .udmabufCreate(let fd, let memfd, _, _, _, _):
            return [("fd", fd, .descriptor), ("memfd", memfd, .descriptor)]
        }
    }

    /// The name the call binds when it succeeds.
    var binding: String? {
        switch self {
        case .open(_, _, let name), .alloc(_, _, _, _, _, let name), .mmap(_, _, _, _, _, let name), .dup(_, let name),
             .memfd(_, _, let name), .udmabufCreate(_, _, _, _, _, let name):
            name
        case .drm(let call):
            call.binds
        default:
            nil
        }
    }
}
