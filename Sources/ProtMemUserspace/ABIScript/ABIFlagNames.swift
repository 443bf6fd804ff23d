/// The C names a script may use in flag fields, with the values the model's calls take
/// (x86-64's where architectures differ).
enum ABIFlagNames {
    static let open: [String: UInt64] = [
        "O_RDONLY": 0, "O_WRONLY": 0o1, "O_RDWR": 0o2, "O_ACCMODE": 0o3,
        "O_CREAT": 0o100, "O_EXCL": 0o200, "O_NOCTTY": 0o400, "O_TRUNC": 0o1000, "O_APPEND": 0o2000,
        "O_NONBLOCK": 0o4000, "O_NDELAY": 0o4000, "O_DSYNC": 0o10000, "O_ASYNC": 0o20000, "O_DIRECT": 0o40000,
        "O_LARGEFILE": 0o100000, "O_DIRECTORY": 0o200000, "O_NOFOLLOW": 0o400000, "O_NOATIME": 0o1000000,
        "O_CLOEXEC": 0o2000000, "O_SYNC": 0o4010000, "O_PATH": 0o10000000,
    ]

    static let sync: [String: UInt64] = [
        "DMA_BUF_SYNC_READ": 1, "DMA_BUF_SYNC_WRITE": 2, "DMA_BUF_SYNC_RW": 3,
        "DMA_BUF_SYNC_START": 0, "DMA_BUF_SYNC_END": 4,
    ]

    static let protection: [String: UInt64] = [
        "PROT_NONE": 0, "PROT_READ": 1, "PROT_WRITE": 2, "PROT_EXEC": 4,
    ]

    static let mmap: [String: UInt64] = [
        "MAP_SHARED": 0x01, "MAP_PRIVATE": 0x02, "MAP_SHARED_VALIDATE": 0x03, "MAP_FIXED": 0x10,
        "MAP_ANONYMOUS": 0x20, "MAP_ANON": 0x20, "MAP_GROWSDOWN": 0x100, "MAP_DENYWRITE": 0x800,
        "MAP_EXECUTABLE": 0x1000, "MAP_LOCKED": 0x2000, "MAP_NORESERVE": 0x4000, "MAP_POPULATE": 0x8000,
        "MAP_NONBLOCK": 0x10000, "MAP_STACK": 0x20000, "MAP_HUGETLB": 0x40000, "MAP_SYNC": 0x80000,
        "MAP_FIXED_NOREPLACE": 0x100000,
    ]

    static let seals: [String: UInt64] = [
        "F_SEAL_SEAL": 0x1, "F_SEAL_SHRINK": 0x2, "F_SEAL_GROW": 0x4, "F_SEAL_WRITE": 0x8,
        "F_SEAL_FUTURE_WRITE": 0x10, "F_SEAL_EXEC": 0x20,
    ]

    static let udmabuf: [String: UInt64] = ["UDMABUF_FLAGS_CLOEXEC": 0x1]

    /// `heap_flags` has no named flag (`DMA_HEAP_VALID_HEAP_FLAGS` is 0): numbers only.
    static let heap: [String: UInt64] = [:]

    /// Request names a raw `ioctl` line may use instead of a number.
    static let requests: [String: UInt64] = [
        "DMA_HEAP_IOCTL_ALLOC": 0xc018_4800, "DMA_BUF_IOCTL_SYNC": 0x4008_6200,
        "DMA_BUF_SET_NAME_A": 0x4004_6201, "DMA_BUF_SET_NAME_B": 0x4008_6201,
        "DMA_BUF_IOCTL_EXPORT_SYNC_FILE": 0xc008_6202, "DMA_BUF_IOCTL_IMPORT_SYNC_FILE": 0x4008_6203,
        "UDMABUF_CREATE": 0x4018_7542, "UDMABUF_CREATE_LIST": 0x4008_7543,
        "FIOCLEX": 0x5451, "FIONCLEX": 0x5450, "FIONBIO": 0x5421, "FIOASYNC": 0x5452, "FIOQSIZE": 0x5460,
        "FIONREAD": 0x541b, "FIGETBSZ": 0x2,
    ]
}
