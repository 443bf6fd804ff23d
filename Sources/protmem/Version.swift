/// What `protmem --version` prints: the package's version and the versions of the code the
/// model follows (the reference notes in `../shared/reference` say where each comes from).
enum ProtMemVersion {
    /// The package's own version.
    static let package = "0.1.0"

    /// The code each layer reflects, in the order of the layers.
    static let models = [
        "Linux 6.12 dma-buf, dma-heap and udmabuf userspace ABI",
        "Linux 6.18 tee_heap and OP-TEE protected memory",
        "panthor 1.9 with the May 2026 protected-mode series",
        "Mali CSF firmware header 0.x",
    ]

    static let text = "protmem \(package) (models \(models.joined(separator: "; ")))"
}
