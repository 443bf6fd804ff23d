extension ABIScriptCall {
    /// Decodes one line; `nil` for a blank line or a comment (first non-blank character `#`).
    /// Every problem is a ``ABIScriptError`` naming the line and, where it applies, the field.
    public static func parse(line text: some StringProtocol, number: Int) throws(ABIScriptError) -> ABIScriptCall? {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        if trimmed.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) || trimmed.first == "#" { return nil }
        let value: JSONValue, columns: [String: JSONReader.Columns]
        do {
            (value, columns) = try JSONReader.parseLine(String(text))
        } catch {
            throw ABIScriptError(line: number, column: error.column, problem: "not valid JSON: \(error.problem)")
        }
        guard case .object(let members) = value else {
            throw ABIScriptError(line: number, column: text.utf8.count - trimmed.utf8.count + 1, problem: "expected a JSON object, found \(value.kindName)")
        }
        var fields = FieldReader(line: number, members: members, columns: columns)
        return try fields.call()
    }

    /// Where field `field`'s value starts on `line`, in bytes from 1 (1 when the line has no
    /// such field): for problems found after parsing, such as a name no earlier line made.
    static func valueColumn(of field: String, in line: some StringProtocol) -> Int {
        (try? JSONReader.parseLine(String(line)))?.columns[field]?.value ?? 1
    }
}

/// Reads and checks the fields of one line's object.
private struct FieldReader {
    let line: Int
    let members: [(key: String, value: JSONValue)]
    let columns: [String: JSONReader.Columns]
    var op = ""

    /// A problem with the line as a whole.
    func fail(_ problem: String) -> ABIScriptError { ABIScriptError(line: line, problem: problem) }

    /// A problem with field `field`'s value, pointed at.
    func fail(_ problem: String, value field: String) -> ABIScriptError {
        ABIScriptError(line: line, column: columns[field]?.value ?? 1, problem: problem)
    }

    mutating func call() throws(ABIScriptError) -> ABIScriptCall {
        guard let opValue = members.first(where: { $0.key == "op" })?.value else { throw fail("missing field \"op\"") }
        guard case .string(let op) = opValue else { throw fail("field \"op\" must be a string, found \(opValue.kindName)", value: "op") }
        guard let known = ABIScriptCall.fields[op] ?? ABIScriptDRMCall.ops[op] else {
            let names = Array(ABIScriptCall.fields.keys) + Array(ABIScriptDRMCall.ops.keys)
            throw fail("unknown op \"\(op)\" (known: \(names.sorted().joined(separator: ", ")))", value: "op")
        }
        self.op = op
        for member in members where member.key != "op" && !known.required.contains(member.key) && !known.optional.contains(member.key) {
            throw ABIScriptError(line: line, column: columns[member.key]?.key ?? 1, problem: "unknown field \"\(member.key)\" for op \"\(op)\"")
        }
        for field in known.required where !members.contains(where: { $0.key == field }) {
            throw fail("op \"\(op)\" needs field \"\(field)\"")
        }
        if ABIScriptDRMCall.ops[op] != nil { return .drm(try drmCall(known: known)) }
        switch op {
        case "open":
            return .open(path: try string("path"), flags: UInt32(try flags("flags", ABIFlagNames.open, bits: 32)), as: try name("as"))
        case "alloc":
            return .alloc(fd: try name("fd"), length: try integer("len", bits: 64),
                          fdFlags: UInt32(try flags("fd_flags", ABIFlagNames.open, bits: 32)),
                          heapFlags: try flags("heap_flags", ABIFlagNames.heap, bits: 64),
                          inFD: UInt32(try integer("in_fd", bits: 32)), as: try name("as"))
        case "ioctl":
            return .ioctl(fd: try name("fd"), request: UInt32(try flags("request", ABIFlagNames.requests, bits: 32, single: true)),
                          argument: try hex("arg_hex"))
        case "sync":
            return .sync(fd: try name("fd"), flags: try flags("flags", ABIFlagNames.sync, bits: 64))
        case "set_name":
            return .setName(fd: try name("fd"), name: try string("name"))
        case "mmap":
            return .mmap(fd: try name("fd"), length: try integer("len", bits: 64), offset: try integer("offset", bits: 64),
                         protection: UInt32(try flags("prot", ABIFlagNames.protection, bits: 32)),
                         flags: UInt32(try flags("flags", ABIFlagNames.mmap, bits: 32)), as: try name("as"))
        case "write":
            return .write(map: try name("map"), offset: try integer("offset", bits: 64), bytes: try hex("hex"))
        case "read":
            let length = try integer("len", bits: 64)
            guard length <= ABIScriptCall.maximumReadLength else {
                throw fail("field \"len\": \(length) bytes is more than one read may print (at most \(ABIScriptCall.maximumReadLength), 16 MiB)", value: "len")
            }
            return .read(map: try name("map"), offset: try integer("offset", bits: 64), length: length)
        case "munmap":
            return .munmap(map: try name("map"))
        case "fdinfo":
            return .fdinfo(fd: try name("fd"))
        case "dup":
            return .dup(fd: try name("fd"), as: try name("as"))
        case "close":
            return .close(fd: try name("fd"))
        case "memfd":
            return .memfd(length: try integer("len", bits: 64), seals: UInt32(try flags("seals", ABIFlagNames.seals, bits: 32)),
                          as: try name("as"))
        default: // "udmabuf_create"; `fields` lists no other op
            return .udmabufCreate(fd: try name("fd"), memfd: try name("memfd"), offset: try integer("offset", bits: 64),
                                  size: try integer("size", bits: 64),
                                  flags: UInt32(try flags("flags", ABIFlagNames.udmabuf, bits: 32)), as: try name("as"))
        }
    }

    /// A render-node line: names for the handle fields and `buf`, numbers (or C names) for
    /// the rest.
    func drmCall(known: (required: [String], optional: [String])) throws(ABIScriptError) -> ABIScriptDRMCall {
        var handles: [String: String] = [:]
        var numbers: [String: UInt64] = [:]
        var buffer: String?
        var binds: String?
        for field in known.required + known.optional where value(field) != nil {
            switch field {
            case "fd": break
            case "as": binds = try name(field)
            case "buf": buffer = try name(field)
            case _ where ABIScriptDRMCall.handleFields.contains(field): handles[field] = try name(field)
            default:
                if let names = ABIScriptDRMCall.flagNames(op: op, field: field) {
                    numbers[field] = try flags(field, names, bits: 64)
                } else {
                    numbers[field] = try integer(field, bits: 64)
                }
            }
        }
        return ABIScriptDRMCall(op: op, fd: try name("fd"), handles: handles, buffer: buffer, numbers: numbers, binds: binds)
    }

    private func value(_ field: String) -> JSONValue? {
        members.first { $0.key == field }?.value
    }

    func string(_ field: String) throws(ABIScriptError) -> String {
        let value = value(field)!
        guard case .string(let text) = value else { throw fail("field \"\(field)\" must be a string, found \(value.kindName)", value: field) }
        return text
    }

    /// A name for an object: a non-empty string.
    func name(_ field: String) throws(ABIScriptError) -> String {
        let text = try string(field)
        guard !text.isEmpty else { throw fail("field \"\(field)\" must name something, found an empty string", value: field) }
        return text
    }

    /// A number of at most `bits` bits: a JSON integer or a string holding a decimal or
    /// `0x` hex integer. A negative value is taken as the two's complement a C caller would
    /// store (`-1` in a `__u32` is `0xffffffff`). An absent optional field is 0.
    func integer(_ field: String, bits: Int) throws(ABIScriptError) -> UInt64 {
        guard let value = value(field) else { return 0 }
        let literal: String
        switch value {
        case .number(let text), .string(let text): literal = text
        default: throw fail("field \"\(field)\" must be an integer or a string holding one, found \(value.kindName)", value: field)
        }
        guard let number = Self.parseInteger(literal, bits: bits) else {
            throw fail("field \"\(field)\": \"\(literal)\" is not an integer that fits in \(bits) bits", value: field)
        }
        return number
    }

    /// A flag field: a number, or C names (and numbers) joined by `|`. With `single`, a
    /// number or one name (for `request`).
    func flags(_ field: String, _ names: [String: UInt64], bits: Int, single: Bool = false) throws(ABIScriptError) -> UInt64 {
        guard let value = value(field) else { return 0 }
        guard case .string(let text) = value else { return try integer(field, bits: bits) }
        var result: UInt64 = 0
        let parts = text.split(separator: "|", omittingEmptySubsequences: false)
        if single, parts.count > 1 { throw fail("field \"\(field)\" takes one value, not \"\(text)\"", value: field) }
        for part in parts {
            let piece = part.trimmingCharacters(in: " ")
            if let named = names[piece] {
                result |= named
            } else if let number = Self.parseInteger(piece, bits: bits) {
                result |= number
            } else if piece.isEmpty {
                throw fail("field \"\(field)\": empty flag in \"\(text)\"", value: field)
            } else {
                throw fail("field \"\(field)\": unknown name \"\(piece)\"", value: field)
            }
        }
        return result
    }

    /// Bytes as hex digits (either case), two per byte; an absent optional field is empty.
    func hex(_ field: String) throws(ABIScriptError) -> [UInt8] {
        guard value(field) != nil else { return [] }
        let text = try string(field)
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { throw fail("field \"\(field)\" has an odd number of hex digits", value: field) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.hexDigit(digits[index]), let low = Self.hexDigit(digits[index + 1]) else {
                throw fail("field \"\(field)\" is not hex: character \(index + 1) of \"\(text)\"", value: field)
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Decimal or `0x` hex, optionally negative; `nil` when it is not one or does not fit.
    static func parseInteger(_ literal: String, bits: Int) -> UInt64? {
        var text = Substring(literal)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        let magnitude: UInt64?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let digits = text.dropFirst(2)
            magnitude = digits.isEmpty ? nil : UInt64(digits, radix: 16)
        } else {
            magnitude = text.isEmpty || !text.allSatisfy(\.isASCII) ? nil : UInt64(text, radix: 10)
        }
        guard let magnitude else { return nil }
        let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        if negative {
            guard magnitude <= (UInt64(1) << UInt64(bits - 1)) else { return nil }
            return (0 &- magnitude) & mask
        }
        return magnitude <= mask ? magnitude : nil
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
