import ProtMemDMABuf
import ProtMemMemory

/// Design 4: userspace allocates protected buffers from a heap and hands them in; the driver
/// only imports them (Boris Brezillon's proposal in the May 2026 review, which drops the
/// dma-heap changes from the kernel).
///
/// Each request must carry the buffer (`EINVAL` without one, or with one smaller than the
/// driver's reported need). The driver takes its own reference, so userspace may close its fd
/// at once. Nothing checks here that the buffer is really protected: the kernel cannot tell,
/// and a buffer of ordinary memory shows up as a fault once the GPU uses it in protected mode,
/// which is what a v13 GPU does (Chia-I Wu in the same thread).
public final class UserspaceProtectedMemory: ProtectedMemorySource {
    let device: DMADevice

    public var design: ProtectedMemoryDesign { .userspace }
    public var name: String { "userspace buffers" }
    /// The driver cannot know what a handed-in buffer held before.
    public var zeroesNewMemory: Bool { false }

    public init(device: DMADevice) {
        self.device = device
    }

    public func allocate(_ request: ProtectedMemoryRequest) throws(Errno) -> ProtectedAllocation {
        guard let buffer = request.userBuffer, buffer.size >= request.size else { throw .invalidArgument }
        return try DMABufImport.protectedAllocation(buffer, request: request, device: device,
                                                    origin: "userspace dma-buf ino \(buffer.inode) (\(buffer.exporterName))", takeReference: true)
    }

    public func release() {}
}
