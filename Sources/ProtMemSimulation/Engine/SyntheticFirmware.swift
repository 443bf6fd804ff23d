/// A small Mali CSF firmware image with the real images' layout: code, initialised data, one
/// PROT section at 0x03000000 (read/write, cached, no initial data, as in linux-firmware's
/// images) and the shared interface section at 0x04000000. The simulation boots it when no
/// real image is given or found (the real ones are never committed to the project: they live
/// in ../shared/data or in the git-ignored Boards/real that Scripts/fetch-boards.sh fills).
public enum SyntheticFirmware {
    public static let image: [UInt8] = {
        func word(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }
        let dataBase: UInt32 = 0x400
        let sections: [(flags: UInt32, va: (UInt32, UInt32), data: (UInt32, UInt32))] = [
            (0x0d, (0x0080_0000, 0x0080_2000), (dataBase, dataBase + 0x100)),
            (0x8000_000b, (0x0200_0000, 0x0200_4000), (dataBase, dataBase + 0x40)),
            (0x2b, (0x0300_0000, 0x0304_0000), (0, 0)),
            (0xc000_001b, (0x0400_0000, 0x0400_1000), (0, 0)),
        ]
        var entries: [UInt8] = []
        for section in sections {
            let body = [section.flags, section.va.0, section.va.1, section.data.0, section.data.1].flatMap(word)
            entries += word(UInt32(body.count + 4) << 8) + body
        }
        let end = 20 + entries.count
        let header = word(0xc3f1_3a6e) + [3, 0, 0, 0] + word(0x0101_0000) + word(0) + word(UInt32(end))
        return header + entries + [UInt8](repeating: 0, count: Int(dataBase) - end) + [UInt8](repeating: 0xa5, count: 0x2000)
    }()
}
