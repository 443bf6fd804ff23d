/// Byte offsets of the header fields, named after `struct fdt_header`, so
/// errors can point at the field that is wrong.
enum FDTHeaderField: Int {
    case magic = 0
    case totalSize = 4
    case structureOffset = 8
    case stringsOffset = 12
    case memoryReservationOffset = 16
    case version = 20
    case lastCompatibleVersion = 24
    case bootCPUIDPhys = 28
    case stringsSize = 32
    case structureSize = 36

    var cName: String {
        switch self {
        case .magic: "magic"
        case .totalSize: "totalsize"
        case .structureOffset: "off_dt_struct"
        case .stringsOffset: "off_dt_strings"
        case .memoryReservationOffset: "off_mem_rsvmap"
        case .version: "version"
        case .lastCompatibleVersion: "last_comp_version"
        case .bootCPUIDPhys: "boot_cpuid_phys"
        case .stringsSize: "size_dt_strings"
        case .structureSize: "size_dt_struct"
        }
    }
}
