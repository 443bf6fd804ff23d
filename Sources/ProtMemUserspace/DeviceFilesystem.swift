import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// The model's file system: `/`, `/dev` (devtmpfs) with `/dev/null`, `/dev/udmabuf` and one
/// `/dev/dma_heap/<name>` per registered heap, and nothing else.
///
/// The heap nodes follow the registry live, as devtmpfs follows `device_create` and
/// `device_destroy`. ``makeNode(at:device:)`` is `mknod`: a node whose number no driver
/// answers is how a real system meets `ENODEV` (an unknown dma-heap minor) or `ENXIO` (an
/// unknown major) at open.
///
/// Paths resolve as the VFS resolves them: `.` and `..` and repeated slashes are allowed,
/// relative paths start at `/` (every process's working directory), a missing name is
/// `ENOENT`, a name under something that is not a directory `ENOTDIR`, a component over 255
/// bytes or a path of 4096 bytes or more `ENAMETOOLONG`.
public final class DeviceFilesystem: Sendable {
    /// `PATH_MAX`
    public static let pathMaximum = 4096
    /// `NAME_MAX`
    public static let nameMaximum = 255

    let heaps: DMAHeapRegistry
    /// `/dev/dri/renderD128` exists (the board's GPU was handed to the userspace).
    let hasRenderNode: Bool

    private struct ExtraNode {
        let device: DeviceNumber
        let inode: UInt64
    }

    private struct State {
        /// Nodes made with `mknod`, by path.
        var extra: [String: ExtraNode] = [:]
        var nextInode: UInt64 = 1000
    }

    private let state = Mutex(State())

    private static let directories: [String: UInt64] = ["/": 2, "/dev": 1, "/dev/dma_heap": 3]

    init(heaps: DMAHeapRegistry, hasRenderNode: Bool = false) {
        self.heaps = heaps
        self.hasRenderNode = hasRenderNode
    }

    /// The directories there are: `/dev/dri` only with a render node, as DRM creates it.
    private func isDirectory(_ path: String) -> Bool {
        Self.directories[path] != nil || (hasRenderNode && path == "/dev/dri")
    }

    /// Looks `path` up.
    public func resolve(_ path: String) throws(Errno) -> DeviceNode {
        guard !path.isEmpty else { throw .noSuchFileOrDirectory }
        guard path.utf8.count < Self.pathMaximum else { throw .nameTooLong }
        var current = "/"
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard component.utf8.count <= Self.nameMaximum else { throw .nameTooLong }
            guard isDirectory(current) else { throw .notDirectory }
            switch component {
            case ".": continue
            case "..": current = Self.parent(of: current)
            default:
                let child = current == "/" ? "/\(component)" : "\(current)/\(component)"
                guard node(at: child) != nil else { throw .noSuchFileOrDirectory }
                current = child
            }
        }
        let node = node(at: current)!
        if path.hasSuffix("/"), !node.isDirectory { throw .notDirectory }
        return node
    }

    /// `mknod(path, S_IFCHR, device)` in `/dev` or `/dev/dma_heap`: `EEXIST` when the name
    /// is taken, `ENOENT` when the parent is not one of those directories.
    public func makeNode(at path: String, device: DeviceNumber) throws(Errno) {
        let parent = Self.parent(of: path)
        guard path.hasPrefix("/"), !path.hasSuffix("/"), parent == "/dev" || parent == "/dev/dma_heap" else {
            throw .noSuchFileOrDirectory
        }
        guard node(at: path) == nil else { throw .fileExists }
        state.withLock { state in
            state.extra[path] = ExtraNode(device: device, inode: state.nextInode)
            state.nextInode += 1
        }
    }

    /// `unlink` of a node made with ``makeNode(at:device:)``.
    public func removeNode(at path: String) throws(Errno) {
        try state.withLock { state throws(Errno) in
            guard state.extra.removeValue(forKey: path) != nil else { throw .noSuchFileOrDirectory }
        }
    }

    /// The names in a directory, sorted (what `ls` would show).
    public func list(_ directory: String) throws(Errno) -> [String] {
        let node = try resolve(directory)
        guard node.isDirectory else { throw .notDirectory }
        let prefix = node.path == "/" ? "/" : node.path + "/"
        return allPaths().filter { $0.hasPrefix(prefix) && $0 != node.path && !$0.dropFirst(prefix.count).contains("/") }
            .map { String($0.dropFirst(prefix.count)) }.sorted()
    }

    // MARK: Lookup

    private func node(at path: String) -> DeviceNode? {
        if let inode = Self.directories[path] { return .directory(path: path, inode: inode) }
        switch path {
        case "/dev/dri" where hasRenderNode: return .directory(path: path, inode: 6)
        case "/dev/dri/renderD128" where hasRenderNode: return .characterDevice(path: path, device: .renderD128, inode: 7)
        case "/dev/null": return .characterDevice(path: path, device: .null, inode: 4)
        case "/dev/udmabuf": return .characterDevice(path: path, device: .udmabuf, inode: 5)
        default: break
        }
        if let extra = state.withLock({ $0.extra[path] }) {
            return .characterDevice(path: path, device: extra.device, inode: extra.inode)
        }
        let prefix = "/dev/dma_heap/"
        if path.hasPrefix(prefix) {
            let name = String(path.dropFirst(prefix.count))
            if let heap = heaps.heaps.first(where: { $0.name == name }) {
                return .characterDevice(path: path, device: .dmaHeap(minor: heap.minor), inode: 100 + UInt64(heap.minor))
            }
        }
        return nil
    }

    private func allPaths() -> [String] {
        var paths = Array(Self.directories.keys) + ["/dev/null", "/dev/udmabuf"]
        if hasRenderNode { paths += ["/dev/dri", "/dev/dri/renderD128"] }
        paths += heaps.names.map { "/dev/dma_heap/\($0)" }
        paths += state.withLock { Array($0.extra.keys) }
        return paths
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
