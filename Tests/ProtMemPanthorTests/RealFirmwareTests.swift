import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// The linux-firmware images in ../shared/data parse, and the parser's reading agrees with
/// an independent scan of the same bytes.
@Suite("Real firmware images")
struct RealFirmwareTests {
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"))
    func everyImageParsesAndAgreesWithAnIndependentScan() throws {
        let images = SharedData.firmwareImages
        #expect(images.count == 3, "expected arch10.8, arch10.10 and arch11.8")
        for url in images {
            let bytes = try SharedData.bytes(of: url)
            let image = try FirmwareImage.parse(bytes)
            let scanned = IndependentScan.interfaces(bytes)

            #expect(image.version == FirmwareVersion(major: 0, minor: 3), "\(url.path)")
            #expect(image.sections.map(\.entryOffset) == scanned.map(\.entryOffset), "\(url.path)")
            #expect(image.sections.map(\.flags.rawValue) == scanned.map(\.flags), "\(url.path)")
            #expect(image.sections.map(\.va.lowerBound) == scanned.map(\.vaStart), "\(url.path)")
            #expect(image.sections.map(\.va.upperBound) == scanned.map(\.vaEnd), "\(url.path)")
            #expect(image.gitSHA != nil && image.gitSHA == IndependentScan.gitSHA(bytes), "\(url.path)")
            #expect(image.sharedSection.va.lowerBound == 0x0400_0000 && image.sharedSection.isShared)
        }
    }

    /// Each image has exactly one PROT section, at MCU VA [0x03000000, 0x03040000) (256 KiB,
    /// RD|WR|CACHED|PROT, no initial data): observed with the independent scan and asserted
    /// both ways.
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"))
    func theProtectedSectionIsFound() throws {
        for url in SharedData.firmwareImages {
            let bytes = try SharedData.bytes(of: url)
            let scannedProtected = IndependentScan.interfaces(bytes).filter { $0.flags & (1 << 5) != 0 }
            #expect(scannedProtected.map { [$0.vaStart, $0.vaEnd] } == [[0x0300_0000, 0x0304_0000]], "\(url.path)")

            let image = try FirmwareImage.parse(bytes)
            let protected = image.protectedSections
            #expect(protected.count == scannedProtected.count)
            #expect(protected.map(\.va) == scannedProtected.map { $0.vaStart..<$0.vaEnd })
            let section = try #require(protected.first)
            #expect(section.virtualSize == 0x40000)
            #expect(section.data.isEmpty)
            #expect(section.flags == [.read, .write, .protected, FirmwareSectionFlags(rawValue: 1 << 3)])
            #expect(section.cacheMode == .cached)
            #expect(section.mappingAttributes == [.noExecute, .protected])
        }
    }

    /// Mainline without a protected heap drops PROT sections and keeps the rest.
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"))
    func ignoringProtectedSectionsAsMainlineDoes() throws {
        for url in SharedData.firmwareImages {
            let bytes = try SharedData.bytes(of: url)
            let loaded = try FirmwareImage.parse(bytes, protectedSections: .load)
            let ignored = try FirmwareImage.parse(bytes, protectedSections: .ignore)
            #expect(ignored.sections.count == loaded.sections.count - 1)
            #expect(ignored.protectedSections.isEmpty)
            #expect(ignored.ignoredProtectedSections.map(\.va) == loaded.protectedSections.map(\.va))
            #expect(ignored.entries.filter { $0.disposition == .ignoredProtectedSection }.count == 1)
        }
    }

    /// What real images carry beyond panthor's six types: OPTIONAL entries of types 5, 7, 8
    /// and 9 are skipped, not refused; every IFACE name is binary, not text.
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"))
    func realImagesExerciseOptionalEntriesAndBinaryNames() throws {
        for url in SharedData.firmwareImages {
            let image = try FirmwareImage.parse(try SharedData.bytes(of: url))
            let skipped = image.entries.filter { $0.disposition == .skippedOptional }
            #expect(!skipped.isEmpty)
            #expect(skipped.allSatisfy { $0.header.isOptional && ![0, 1, 2, 3, 4, 6].contains($0.header.type.rawValue) })
            #expect(image.sections.allSatisfy { $0.nameText == nil && $0.name.count == 8 })
            #expect(image.entries.last.map { $0.offset + Int($0.header.size) } == Int(image.header.size))
        }
    }

    /// The mapping rules on the real sections: code is RO executable, data is NX, the shared
    /// section (CACHED_COHERENT) is uncached.
    @Test(.enabled(if: SharedData.firmwareAvailable(), "../shared/data absent"))
    func mappingAttributesFollowPanthorsRules() throws {
        let url = try #require(SharedData.firmwareImages.first)
        let image = try FirmwareImage.parse(try SharedData.bytes(of: url))
        for section in image.sections {
            let attributes = section.mappingAttributes
            #expect(attributes.contains(.readOnly) == !section.flags.contains(.write))
            #expect(attributes.contains(.noExecute) == !section.flags.contains(.execute))
            #expect(attributes.contains(.uncached) == (section.cacheMode != .cached))
        }
        #expect(image.sharedSection.cacheMode == .cachedCoherent)
        #expect(image.sharedSection.mappingAttributes == [.noExecute, .uncached])
        #expect(image.sections.contains { $0.flags.contains(.execute) && $0.mappingAttributes == [.readOnly] })
    }
}
