import ProtMemMemory
import ProtMemPanthor
import ProtMemTime

/// A userspace command stream as the model's CSF runs it: 64-bit instructions, opcode in bits
/// 56–63 (Mesa's `genxml/v10.xml`, "CS Opcode"), cut into jobs where `PROT_REGION` starts and
/// ends its protected run (the firmware raises `CS_PROTM_PENDING` on reaching it).
///
/// The model executes the instructions that move data (`MOVE48`, `MOVE32`, `STORE_MULTIPLE`,
/// `LOAD_MULTIPLE`) and `PROT_REGION`, `NOP`; it reads the stream when it is submitted, as the
/// GPU would fetch it when it runs (a stream changed after submission runs as submitted).
/// Anything else is refused with a ``CommandStreamError`` naming the instruction, where a real
/// GPU would run it: the model's documented limit, not the kernel's answer.
public struct CommandStream: Sendable {
    public enum Opcode: UInt8, Sendable {
        case nop = 0
        case move48 = 1
        case move32 = 2
        case loadMultiple = 20
        case storeMultiple = 21
        case protRegion = 41
    }

    /// `cs_reg_count` the model's firmware reports.
    public static let registerCount = 96

    /// The jobs the stream becomes, in order; never empty (a stream of nothing is one empty
    /// job that completes, as a zero-size submission does).
    public let jobs: [GPUJob]

    public init(_ bytes: [UInt8], label: String) throws(CommandStreamError) {
        var registers = [UInt32?](repeating: 0, count: Self.registerCount)
        var jobs: [GPUJob] = []
        var operations: [GPUJobOperation] = []
        var protectedLeft = 0
        var inProtected = false
        func flush(protected: Bool) {
            if !operations.isEmpty || protected {
                jobs.append(GPUJob("\(label).\(jobs.count)", protected: protected, operations: operations))
            }
            operations = []
        }
        let count = bytes.count / 8
        for index in 0..<count {
            let word = bytes.littleEndian(UInt64.self, at: index * 8)
            let opcodeValue = UInt8(truncatingIfNeeded: word >> 56)
            guard let opcode = Opcode(rawValue: opcodeValue) else {
                throw CommandStreamError(instruction: index, problem: "opcode \(opcodeValue) is not one the model executes")
            }
            if inProtected, protectedLeft == 0 {
                flush(protected: true)
                inProtected = false
            }
            if inProtected { protectedLeft -= 1 }
            func register(_ number: Int) throws(CommandStreamError) -> UInt32 {
                guard number < Self.registerCount else { throw CommandStreamError(instruction: index, problem: "register r\(number) does not exist") }
                guard let value = registers[number] else {
                    throw CommandStreamError(instruction: index, problem: "r\(number) holds a value loaded from memory, which the model does not forward")
                }
                return value
            }
            switch opcode {
            case .nop:
                break
            case .move48:
                let destination = Int((word >> 48) & 0xff)
                guard destination + 1 < Self.registerCount else { throw CommandStreamError(instruction: index, problem: "MOVE48 to r\(destination) runs past the registers") }
                registers[destination] = UInt32(truncatingIfNeeded: word)
                registers[destination + 1] = UInt32(truncatingIfNeeded: word >> 32) & 0xffff
            case .move32:
                let destination = Int((word >> 48) & 0xff)
                guard destination < Self.registerCount else { throw CommandStreamError(instruction: index, problem: "MOVE32 to r\(destination) does not exist") }
                registers[destination] = UInt32(truncatingIfNeeded: word)
            case .storeMultiple, .loadMultiple:
                let offset = Int64(Int16(truncatingIfNeeded: word))
                let mask = UInt16(truncatingIfNeeded: word >> 16)
                let addressRegister = Int((word >> 40) & 0xff)
                let base = Int((word >> 48) & 0xff)
                let low = try register(addressRegister)
                let high = try register(addressRegister + 1)
                let address = UInt64(high) << 32 | UInt64(low)
                let start = UInt64(bitPattern: Int64(bitPattern: address) &+ offset)
                guard mask != 0 else { break }
                let span = UInt64(16 - mask.leadingZeroBitCount) * 4
                if opcode == .storeMultiple {
                    var data = [UInt8](repeating: 0, count: Int(span))
                    for bit in 0..<16 where mask & (1 << bit) != 0 {
                        data.setLittleEndian(try register(base + bit), at: bit * 4)
                    }
                    operations.append(.write(GPUVirtualAddress(start), bytes: data))
                } else {
                    operations.append(.read(GPUVirtualAddress(start), size: span))
                    for bit in 0..<16 where mask & (1 << bit) != 0 && base + bit < Self.registerCount {
                        registers[base + bit] = nil
                    }
                }
            case .protRegion:
                guard !inProtected else { throw CommandStreamError(instruction: index, problem: "PROT_REGION inside a protected region") }
                flush(protected: false)
                protectedLeft = Int(word & 0xffff)
                inProtected = true
            }
        }
        if inProtected, protectedLeft > 0 {
            throw CommandStreamError(instruction: count, problem: "the stream ends \(protectedLeft) instruction(s) before its PROT_REGION does")
        }
        flush(protected: inProtected)
        if jobs.isEmpty { jobs.append(GPUJob("\(label).0")) }
        self.jobs = jobs
    }

    /// Instruction encoders, for tests and scripts.
    public static func move48(_ register: UInt8, _ value: UInt64) -> UInt64 {
        UInt64(Opcode.move48.rawValue) << 56 | UInt64(register) << 48 | value & 0xffff_ffff_ffff
    }

    public static func move32(_ register: UInt8, _ value: UInt32) -> UInt64 {
        UInt64(Opcode.move32.rawValue) << 56 | UInt64(register) << 48 | UInt64(value)
    }

    public static func storeMultiple(base: UInt8, address: UInt8, mask: UInt16, offset: Int16 = 0) -> UInt64 {
        UInt64(Opcode.storeMultiple.rawValue) << 56 | UInt64(base) << 48 | UInt64(address) << 40 | UInt64(mask) << 16 | UInt64(UInt16(bitPattern: offset))
    }

    public static func protRegion(instructions: UInt16) -> UInt64 {
        UInt64(Opcode.protRegion.rawValue) << 56 | UInt64(instructions)
    }
}

/// Why the model will not run a command stream.
public struct CommandStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    public let instruction: Int
    public let problem: String
    public init(instruction: Int, problem: String) {
        self.instruction = instruction
        self.problem = problem
    }
    public var description: String { "command stream instruction \(instruction): \(problem)" }
}
