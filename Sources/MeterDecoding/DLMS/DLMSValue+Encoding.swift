/// A-XDR encoding of a value, the inverse of `AXDRDecoder.decodeValue()` (compact arrays come out as plain arrays).
/// Lets values built by hand or decoded as a tree go through the same tape-based reading code as the wire.
extension DLMSValue {
    public func encodeAXDR(into out: inout [UInt8]) {
        out.append(tag.rawValue)
        switch self {
        case .null, .dontCare: break
        case .array(let elements), .structure(let elements):
            Self.appendLength(elements.count, to: &out)
            for element in elements { element.encodeAXDR(into: &out) }
        case .boolean(let v): out.append(v ? 1 : 0)
        case .bitString(let bitCount, let bytes):
            Self.appendLength(bitCount, to: &out)
            let count = (bitCount + 7) / 8
            out.append(contentsOf: bytes.prefix(count))
            if bytes.count < count { out.append(contentsOf: repeatElement(0, count: count - bytes.count)) }
        case .doubleLong(let v): Self.appendBigEndian(UInt64(UInt32(bitPattern: v)), width: 4, to: &out)
        case .doubleLongUnsigned(let v): Self.appendBigEndian(UInt64(v), width: 4, to: &out)
        case .octetString(let b), .visibleString(let b), .utf8String(let b):
            Self.appendLength(b.count, to: &out)
            out.append(contentsOf: b)
        case .bcd(let v), .integer(let v): out.append(UInt8(bitPattern: v))
        case .long(let v): Self.appendBigEndian(UInt64(UInt16(bitPattern: v)), width: 2, to: &out)
        case .unsigned(let v), .enumerated(let v): out.append(v)
        case .longUnsigned(let v): Self.appendBigEndian(UInt64(v), width: 2, to: &out)
        case .long64(let v): Self.appendBigEndian(UInt64(bitPattern: v), width: 8, to: &out)
        case .long64Unsigned(let v): Self.appendBigEndian(v, width: 8, to: &out)
        case .float32(let v): Self.appendBigEndian(UInt64(v.bitPattern), width: 4, to: &out)
        case .float64(let v): Self.appendBigEndian(v.bitPattern, width: 8, to: &out)
        case .dateTime(let d): out.append(contentsOf: d.wireBytes)
        case .date(let b): Self.appendFixed(b, count: 5, to: &out)
        case .time(let b): Self.appendFixed(b, count: 4, to: &out)
        }
    }

    /// The A-XDR tag of the value.
    public var tag: Tag {
        switch self {
        case .null: return .null
        case .array: return .array
        case .structure: return .structure
        case .boolean: return .boolean
        case .bitString: return .bitString
        case .doubleLong: return .doubleLong
        case .doubleLongUnsigned: return .doubleLongUnsigned
        case .octetString: return .octetString
        case .visibleString: return .visibleString
        case .utf8String: return .utf8String
        case .bcd: return .bcd
        case .integer: return .integer
        case .long: return .long
        case .unsigned: return .unsigned
        case .longUnsigned: return .longUnsigned
        case .long64: return .long64
        case .long64Unsigned: return .long64Unsigned
        case .enumerated: return .enumerated
        case .float32: return .float32
        case .float64: return .float64
        case .dateTime: return .dateTime
        case .date: return .date
        case .time: return .time
        case .dontCare: return .dontCare
        }
    }

    private static func appendLength(_ length: Int, to out: inout [UInt8]) {
        switch length {
        case ..<0x80: out.append(UInt8(length))
        case ..<0x100: out.append(0x81); out.append(UInt8(length))
        case ..<0x10000: out.append(0x82); appendBigEndian(UInt64(length), width: 2, to: &out)
        default: out.append(0x84); appendBigEndian(UInt64(UInt32(clamping: length)), width: 4, to: &out)
        }
    }

    private static func appendBigEndian(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        for shift in stride(from: 8 * (width - 1), through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Date and time fields have a fixed size on the wire: shorter values are padded with 0xFF (not specified).
    private static func appendFixed(_ bytes: [UInt8], count: Int, to out: inout [UInt8]) {
        out.append(contentsOf: bytes.prefix(count))
        if bytes.count < count { out.append(contentsOf: repeatElement(0xFF, count: count - bytes.count)) }
    }
}
