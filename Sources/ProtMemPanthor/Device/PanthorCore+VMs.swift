import ProtMemDMABuf
import ProtMemMemory

/// GPU VMs: `VM_CREATE`, `VM_BIND` map and unmap of dma-bufs, `VM_DESTROY`.
extension PanthorCore {
    func createVM() throws(Errno) -> VMHandle {
        try checkUsable()
        let handle = VMHandle(rawValue: nextVM)
        nextVM += 1
        vms[handle] = PanthorVM(handle: handle, space: mmu!.createContext())
        return handle
    }

    /// Imports `buffer` (attach, map, and a reference of the GPU's own) and maps all of it at
    /// `va`. Nothing stays imported if the mapping is refused.
    func bind(_ buffer: DMABuf, in handle: VMHandle, at va: GPUVirtualAddress, attributes: GPUMappingAttributes) throws(Errno) {
        try checkUsable()
        guard let vm = vms[handle], let range = GPUVirtualRange(start: va, size: buffer.size) else { throw .invalidArgument }
        let imported = try DMABufImport.importBuffer(buffer, size: buffer.size, device: dmaDevice, takeReference: true)
        do {
            try vm.space.map(range, to: imported.chunks, attributes: attributes)
        } catch {
            imported.release()
            throw error.errno
        }
        vm.bindings.append(.init(range: range, imported: imported))
    }

    func unbind(in handle: VMHandle, at va: GPUVirtualAddress) throws(Errno) {
        try checkUsable()
        guard let vm = vms[handle], let index = vm.bindings.firstIndex(where: { $0.range.start == va }) else { throw .invalidArgument }
        let binding = vm.bindings.remove(at: index)
        _ = try? vm.space.unmap(binding.range)
        binding.imported.release()
    }

    /// `EBUSY` while a group still uses the VM.
    func destroyVM(_ handle: VMHandle) throws(Errno) {
        try checkUsable()
        guard let vm = vms[handle] else { throw .invalidArgument }
        guard !groups.values.contains(where: { $0.vm == handle }) else { throw .resourceBusy }
        releaseVM(vm)
    }

    func releaseVM(_ vm: PanthorVM) {
        #if DEBUG
        precondition(loans == 0, "VM \(vm.handle.rawValue) released while a group or VM is lent out borrowed")
        #endif
        for binding in vm.bindings {
            _ = try? vm.space.unmap(binding.range)
            binding.imported.release()
        }
        vm.bindings = []
        mmu?.destroyContext(vm.space.id)
        vms[vm.handle] = nil
    }
}
