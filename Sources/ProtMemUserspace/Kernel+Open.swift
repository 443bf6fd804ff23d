import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor

extension Kernel {
    /// `do_filp_open` on the model's file system, in the VFS's order:
    /// 1. the lookup (`ENOENT`, `ENOTDIR`, `ENAMETOOLONG`); `O_CREAT` of a missing name in
    ///    an existing directory is `EACCES` (the model's `/dev` takes no new files);
    /// 2. `O_CREAT|O_EXCL` of an existing name → `EEXIST`;
    /// 3. `O_PATH` stops here with a descriptor that only names the node;
    /// 4. `O_DIRECTORY` on a device → `ENOTDIR`; a directory opened for writing (or with
    ///    `O_CREAT` or `O_TRUNC`) → `EISDIR`;
    /// 5. the driver's open: `dma_heap_open` answers `ENODEV` for a minor no heap has, the
    ///    misc core `ENODEV` for an unknown misc minor, `chrdev_open` `ENXIO` for a major no
    ///    driver registered.
    func openFile(_ path: String, flags requested: OpenFlags) throws(Errno) -> OpenFileDescription {
        var flags = requested
        if flags.contains(.path) { flags = flags.intersection(.pathFlags) }
        let node: DeviceNode
        do throws(Errno) {
            node = try devices.resolve(path)
        } catch .noSuchFileOrDirectory where flags.contains(.create) && parentIsDirectory(path) {
            throw .permissionDenied
        }
        if flags.isSuperset(of: [.create, .exclusive]) { throw .fileExists }
        let statusFlags = flags.fileStatusFlags
        if flags.contains(.path) {
            // O_PATH_FLAGS strips everything else, O_LARGEFILE included.
            if flags.contains(.directory), !node.isDirectory { throw .notDirectory }
            return OpenFileDescription(object: .path(node), path: node.path, inode: node.inode, mountID: mountID(node),
                                       mode: [.path, .opened], flags: flags.subtracting(.closeOnExec))
        }
        switch node {
        case .directory(let directory, let inode):
            if flags.contains(.create) || flags.accessMode != .readOnly || flags.contains(.truncate) { throw .isDirectory }
            return OpenFileDescription(object: .directory(directory), path: directory, inode: inode, mountID: mountID(node),
                                       mode: FileMode.open(flags).union([.lseek, .opened]), flags: statusFlags)
        case .characterDevice(let devicePath, let device, let inode):
            if flags.contains(.directory) { throw .notDirectory }
            let object = try openDevice(device)
            var mode = FileMode.open(flags).union(.opened)
            if case .null = object { mode.formUnion([.lseek, .pread, .pwrite]) }
            return OpenFileDescription(object: object, path: devicePath, inode: inode, mountID: MountID.devtmpfs,
                                       mode: mode, flags: statusFlags)
        }
    }

    /// The driver's `open` for a character device number.
    private func openDevice(_ device: DeviceNumber) throws(Errno) -> FileObject {
        switch device.major {
        case DeviceNumber.dmaHeapMajor:
            guard let heap = heaps.heap(minor: Int(device.minor)) else { throw .noSuchDevice }
            return .dmaHeap(heap)
        case DeviceNumber.miscMajor:
            guard device == .udmabuf else { throw .noSuchDevice }
            return .udmabufDevice(udmabuf)
        case DeviceNumber.drmMajor:
            // `drm_open`: a minor with no DRM device behind it is ENODEV.
            guard device == .renderD128, let gpu else { throw .noSuchDevice }
            guard gpu.isProbed else { throw .noSuchDevice }
            return .drmRender(PanthorRenderFile(gpu: gpu))
        case DeviceNumber.memMajor:
            guard device == .null else { throw .noSuchDeviceOrAddress }
            return .null
        default:
            throw .noSuchDeviceOrAddress
        }
    }

    private func parentIsDirectory(_ path: String) -> Bool {
        guard let slash = path.lastIndex(of: "/") else { return true }
        let parent = String(path[..<slash])
        return (try? devices.resolve(parent.isEmpty ? "/" : parent))?.isDirectory ?? false
    }

    private func mountID(_ node: DeviceNode) -> Int {
        node.path == "/" ? MountID.root : MountID.devtmpfs
    }
}
