/// Structure-block token values (libfdt's `fdt.h`).
///
/// Only these five are defined for version 16/17 blobs; anything else in a
/// token position means the walk has lost its footing, which is why the parser
/// rejects unknown values instead of skipping them.
enum FDTToken: UInt32 {
    case beginNode = 0x1
    case endNode = 0x2
    case property = 0x3
    case nop = 0x4
    case end = 0x9

    var name: String {
        switch self {
        case .beginNode: "FDT_BEGIN_NODE"
        case .endNode: "FDT_END_NODE"
        case .property: "FDT_PROP"
        case .nop: "FDT_NOP"
        case .end: "FDT_END"
        }
    }
}
