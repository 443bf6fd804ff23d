import ProtMemMemory

/// Every translation fault the GPU MMU raised, in order, across its address spaces (kept
/// whole, like the bus's).
public typealias GPUFaultLog = RecordLog<GPUTranslationFault>
