/// An overlay that libfdt's `fdt_overlay_apply` would refuse.
///
/// Each reason names the fragment, node or property at fault and carries the
/// libfdt error code `fdtoverlay` would print for it, so a failure here can be
/// checked against (and explained next to) the reference tool's one-word
/// answer. The base tree is never modified: application works on copies.
public struct DeviceTreeOverlayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Position of the failing overlay in the list applied (0 for a single overlay).
    public var overlayIndex: Int
    public var reason: Reason

    public init(overlayIndex: Int, reason: Reason) {
        self.overlayIndex = overlayIndex
        self.reason = reason
    }

    /// The `FDT_ERR_*` code libfdt returns for the same overlay.
    public var code: LibfdtCode { reason.code }

    public var description: String {
        "overlay \(overlayIndex): \(reason) (\(code.name))"
    }
}

extension DeviceTreeOverlayError {
    /// The libfdt error codes `fdt_overlay_apply` can return for a
    /// well-formed base and overlay blob (values from libfdt.h).
    public enum LibfdtCode: Int32, Sendable {
        case notFound = 1
        case noSpace = 3
        case badPath = 5
        case badPhandle = 6
        case badValue = 15
        case badOverlay = 16
        case noPhandles = 17

        /// The name `fdt_strerror` gives, which `fdtoverlay` prints.
        public var name: String {
            switch self {
            case .notFound: "FDT_ERR_NOTFOUND"
            case .noSpace: "FDT_ERR_NOSPACE"
            case .badPath: "FDT_ERR_BADPATH"
            case .badPhandle: "FDT_ERR_BADPHANDLE"
            case .badValue: "FDT_ERR_BADVALUE"
            case .badOverlay: "FDT_ERR_BADOVERLAY"
            case .noPhandles: "FDT_ERR_NOPHANDLES"
            }
        }
    }
}
