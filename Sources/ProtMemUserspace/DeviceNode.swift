/// What a path names in the model's file system.
public enum DeviceNode: Hashable, Sendable {
    case directory(path: String, inode: UInt64)
    case characterDevice(path: String, device: DeviceNumber, inode: UInt64)

    public var path: String {
        switch self {
        case .directory(let path, _), .characterDevice(let path, _, _): path
        }
    }

    public var inode: UInt64 {
        switch self {
        case .directory(_, let inode), .characterDevice(_, _, let inode): inode
        }
    }

    public var isDirectory: Bool {
        if case .directory = self { return true }
        return false
    }
}
