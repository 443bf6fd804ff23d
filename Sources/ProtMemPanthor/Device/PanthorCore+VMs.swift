@_spi(CSFHost) import ProtMemCSF
import ProtMemDMABuf
import ProtMemMemory

/// GPU VMs: `VM_CREATE`, `VM_BIND` map and unmap of dma-bufs, `VM_DESTROY`.
extension PanthorCore {
    mutating func createVM() throws(Errno) -> VMHandle {
        try checkUsable()
        let handle = VMHandle(rawValue: nextVM)
        nextVM += 1
        vms.insert(PanthorVM(handle: handle, space: mmu!.createContext()), for: handle)
        return handle
    }

    /// Imports `buffer` (attach, map, and a reference of the GPU's own) and maps all of it at
    /// `va`. Nothing stays imported if the mapping is refused.
    mutating func bind(_ buffer: DMABuf, in handle: VMHandle, at va: GPUVirtualAddress, attributes: GPUMappingAttributes) throws(Errno) {
        try checkUsable()
        guard let space = vms.update(handle, { $0.space }), let range = GPUVirtualRange(start: va, size: buffer.size) else { throw .invalidArgument }
        let imported = try DMABufImport.importBuffer(buffer, size: buffer.size, device: dmaDevice, takeReference: true)
        do {
            try space.map(range, to: imported.chunks, attributes: attributes)
        } catch {
            imported.release()
            throw error.errno
        }
        vms.update(handle) { $0.bindings.append(.init(range: range, imported: imported)) }
    }

    mutating func unbind(in handle: VMHandle, at va: GPUVirtualAddress) throws(Errno) {
        try checkUsable()
        guard let binding = vms.update(handle, { vm in vm.bindings.firstIndex { $0.range.start == va }.map { vm.bindings.remove(at: $0) } }) ?? nil,
              let space = vms[handle]?.space else {
            throw .invalidArgument
        }
        _ = try? space.unmap(binding.range)
        binding.imported.release()
    }

    /// `EBUSY` while a group still uses the VM.
    mutating func destroyVM(_ handle: VMHandle) throws(Errno) {
        try checkUsable()
        guard vms.contains(handle) else { throw .invalidArgument }
        guard !groups.contains(where: { $0.vm == handle }) else { throw .resourceBusy }
        releaseVM(handle)
    }

    mutating func releaseVM(_ handle: VMHandle) {
        guard let vm = vms[handle] else { return }
        for binding in vm.bindings {
            _ = try? vm.space.unmap(binding.range)
            binding.imported.release()
        }
        mmu?.destroyContext(vm.space.id)
        vms.remove(handle)
    }
}
