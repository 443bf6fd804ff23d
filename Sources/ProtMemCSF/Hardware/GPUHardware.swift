/// What the driver and the firmware both reach, as on the hardware: the GPU's registers, the
/// firmware's shared interface section, and the command-stream rings in GPU memory, with the
/// GPU's path to memory. The driver (``CSFFirmware``'s host) and the firmware model each hold
/// none of it: the device keeps one and lends it to whichever side runs.
package struct GPUHardware {
    package var registers = GPURegisterFile()
    package var interface: CSFInterfaceMemory
    package var rings = CommandRingTable()
    package let memoryAccess: GPUMemoryAccess

    package init(parameters: CSFParameters, memoryAccess: GPUMemoryAccess) {
        interface = CSFInterfaceMemory(parameters: parameters)
        self.memoryAccess = memoryAccess
    }
}
