import FuzzSupport
import ProtMemPanthor
import ProtMemSimulation

/// `FirmwareImage.parse` (panthor's rules for `mali_csffw.bin`) under both PROT-section
/// policies. Beyond "never traps": a refusal points inside the file; a parsed image keeps
/// only what the rules allow (section data inside the file, page-aligned VA ranges, no
/// unsupported flag bits, a SHARED section at 0x04000000), and its sections' data, names
/// and build info can be read.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    BuiltinSeeds.writeIfAsked([("synthetic-mali_csffw.bin", SyntheticFirmware.image)])
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    for policy in [ProtectedSectionPolicy.load, .ignore] {
        let image: FirmwareImage
        do {
            image = try FirmwareImage.parse(bytes, protectedSections: policy)
        } catch {
            fuzzCheck((0...bytes.count).contains(error.offset), "refusal outside the file: \(error)")
            fuzzCheck(error.entry.map { $0.index >= 0 && $0.offset <= error.offset } ?? true, "refusal names an odd entry: \(error)")
            _ = error.description
            continue
        }
        fuzzCheck((20...bytes.count).contains(Int(image.header.size)), "header size outside the file")
        for section in image.sections + image.ignoredProtectedSections {
            fuzzCheck(Int(section.data.upperBound) <= bytes.count, "section data outside the file")
            fuzzCheck(section.va.lowerBound % 4096 == 0 && section.va.upperBound % 4096 == 0, "unaligned VA range kept")
            fuzzCheck(section.flags.unsupportedBits == 0, "unsupported flag bits kept")
            _ = image.initialData(of: section).count
            _ = section.nameText
            _ = section.nameHex
        }
        fuzzCheck(image.sharedSection.isShared && image.sharedSection.va.lowerBound == 0x0400_0000, "no SHARED section at 0x04000000")
        _ = image.gitSHA
    }
    return 0
}
