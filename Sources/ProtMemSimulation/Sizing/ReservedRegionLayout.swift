/// Under the reserved-region design, which regions the devices that need protected memory
/// point at: the choice the RFC's reviewers left open.
public enum ReservedRegionLayout: String, Codable, Hashable, Sendable, CaseIterable {
    /// A static partition: the GPU's `memory-region` is a region of its own, and the media
    /// devices (codec, display, camera) keep theirs, the board's carve-out. Each region must
    /// fit its own device's peak, so the partition costs memory the shared heap would not.
    case perDevice = "per-device"
    /// Every device points at one region: the GPU's `memory-region` is the media carve-out
    /// itself, whose one allocator serves them all (as one `shared-dma-pool`'s `rmem->priv`
    /// serves every device that names it). The model reaches that allocator the way the
    /// heap-device design reaches it, so the GPU's probe waits for the carve-out as
    /// heap-device's does.
    case shared
}
