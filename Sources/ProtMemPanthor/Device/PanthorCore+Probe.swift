@_spi(CSFHost) import ProtMemCSF
import ProtMemDMABuf
import ProtMemMemory

/// Probe and unplug (`panthor_probe` → `panthor_device_init`, and `panthor_device_unplug`).
extension PanthorCore {
    /// The driver's probe, in order:
    /// 1. check the firmware parameters;
    /// 2. get protected memory as the board's design says (a heap named but not registered
    ///    yet: `EPROBE_DEFER`, and nothing is kept);
    /// 3. parse the firmware image (PROT sections kept only when protected memory exists);
    /// 4. create the MMU and load the image into the MCU's address space;
    /// 5. boot the firmware and set up its global interface.
    /// On any failure everything taken so far is given back (`dma_heap_put` included).
    mutating func probe() throws(PanthorError) {
        guard !unplugged else { throw PanthorError(.noSuchDevice, "\(configuration.deviceName): unplugged") }
        guard !probed else { throw PanthorError(.resourceBusy, "\(configuration.deviceName): already probed") }
        if let problem = parameters.problem {
            throw PanthorError(.invalidArgument, "\(configuration.deviceName): firmware parameters: \(problem)")
        }
        let (source, protectedModeOff) = try makeSource()
        let image: FirmwareImage
        do {
            image = try FirmwareImage.parse(firmwareBytes, protectedSections: source == nil ? .ignore : .load)
        } catch {
            source?.release()
            throw PanthorError(error.errno, "\(configuration.deviceName): \(error)")
        }
        let mmu = GPUMMU()
        let plan: ProtectedSectionPlan = switch source?.design {
        case nil: .ignore
        case .userspace: .awaitUserspace
        case .some: .allocate(source!)
        }
        do {
            firmware = try FirmwareLoader.load(image, into: mmu.mcu, pages: environment.pages, bus: environment.bus, plan: plan)
        } catch {
            source?.release()
            throw PanthorError(error.errno, "\(configuration.deviceName): \(error)")
        }
        for _ in image.ignoredProtectedSections {
            firmware?.warnings.append("Firmware protected mode entry not be supported, ignoring")
        }
        self.mmu = mmu
        self.source = source
        let shared = image.sharedSection
        let windowStart = (UInt64(shared.va.upperBound) + GPUAddressSpaceLayout.pageSize - 1) & ~(GPUAddressSpaceLayout.pageSize - 1)
        kernelVA = KernelVirtualAllocator(window: windowStart..<(GPUAddressSpaceLayout.mcuSharedRegionStart + GPUAddressSpaceLayout.mcuSharedRegionSize))
        self.protectedModeOff = protectedModeOff
        probed = true
        bootFirmware()
        record(.probed(design: source?.design))
    }

    /// The protected memory the board's design gives, or `nil` with why protected mode is off
    /// although a heap is named (`nil` reason: the board names none).
    private func makeSource() throws(PanthorError) -> (source: (any ProtectedMemorySource)?, off: String?) {
        let name = configuration.deviceName
        switch configuration.protectedMemory {
        case .none:
            return (nil, nil)
        case .heapByName(let deviceTreeName):
            let lookup = configuration.heapLookup
            guard let heapName = lookup.name(deviceTree: deviceTreeName) else {
                return (nil, "protected_heap_name is empty: no protected mode")
            }
            do {
                return (try HeapByNameSource.find(heapName, in: environment.heaps, device: dmaDevice, matching: lookup.matches), nil)
            } catch .probeDefer {
                let missing = "protected heap \"\(heapName)\" is not registered" + (lookup.source == .moduleParameter ? " (protected_heap_name)" : "")
                switch lookup.whenMissing {
                case .deferProbe:
                    throw PanthorError(.probeDefer, "\(name): \(missing) yet")
                case .noSuchDevice:
                    throw PanthorError(.noSuchDevice, "\(name): \(missing)")
                case .withoutProtectedMode:
                    return (nil, "\(missing): no protected mode")
                }
            } catch {
                let what = lookup.source == .moduleParameter ? "protected_heap_name" : "protected-heap-name"
                throw PanthorError(error, "\(name): \(what) \"\(heapName)\" is invalid")
            }
        case .reservedRegion(let region):
            guard let scrubber = environment.scrubber else {
                throw PanthorError(.invalidArgument, "\(name): memory-region \(region) needs the secure world's scrub service, and the board has none")
            }
            do {
                return (try ReservedRegionSource(region: region, bus: environment.bus, scrubber: scrubber), nil)
            } catch {
                throw PanthorError(.invalidArgument, "\(name): \(error)")
            }
        case .heapDevice(let heap):
            return (HeapDeviceSource(heap: heap, registry: environment.heaps, device: dmaDevice), nil)
        case .userspace:
            return (UserspaceProtectedMemory(device: dmaDevice), nil)
        }
    }

    /// Under the userspace design, userspace hands in one buffer for every PROT section (the
    /// size the query reports); the driver imports it and maps the sections onto it.
    mutating func installProtectedFirmwareBuffer(_ buffer: DMABuf) throws(PanthorError) {
        let name = configuration.deviceName
        do { try checkUsable() } catch { throw PanthorError(error, "\(name): not probed") }
        guard let source, source.design == .userspace, firmware != nil else {
            throw PanthorError(.invalidArgument, "\(name): the firmware's protected sections are not handed in by userspace on this board")
        }
        guard !firmware!.protectedSectionsPlaced else {
            throw PanthorError(.resourceBusy, "\(name): the firmware's protected sections are already in place")
        }
        let size = firmwareProtectedSize
        let allocation: ProtectedAllocation
        do {
            allocation = try source.allocate(ProtectedMemoryRequest(size: size, purpose: .firmwareSections, userBuffer: buffer))
        } catch {
            throw PanthorError(error, "\(name): cannot import a \(buffer.size)-byte buffer for \(size) bytes of protected sections")
        }
        do {
            try FirmwareLoader.placeProtectedSections(of: &firmware!, in: allocation, zeroes: source.zeroesNewMemory, mcu: mmu!.mcu, bus: environment.bus)
        } catch {
            allocation.free()
            throw PanthorError(error.errno, "\(name): \(error)")
        }
    }

    /// Bytes of every PROT section together.
    @inline(__always)
    var firmwareProtectedSize: UInt64 {
        firmware?.image.protectedSections.reduce(0) { $0 + UInt64($1.virtualSize) } ?? 0
    }

    /// `panthor_device_unplug`: stop everything, release every group, VM and section, and put
    /// the protected heap.
    mutating func unplug() {
        guard !unplugged else { return }
        unplugged = true
        epoch &+= 1
        dropWaits()
        for handle in groups.keys {
            failGroup(handle, .reset("device unplugged"))
            groups.update(handle) { $0.slot = nil }
            release(handle)
        }
        slots = slots.map { _ in nil }
        for handle in vms.keys { releaseVM(handle) }
        if let mmu { firmware?.unload(from: mmu.mcu) }
        firmware = nil
        source?.release()
        source = nil
        gpu.registers = GPURegisterFile()
        firmwareBooted = false
        mcu.powerOff(gpu: &gpu)
    }
}
