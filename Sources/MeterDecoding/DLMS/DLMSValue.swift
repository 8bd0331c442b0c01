/// One A-XDR encoded COSEM data value (IEC 62056-6-2 `Data` CHOICE), as a meter pushes it.
public enum DLMSValue: Sendable, Equatable {
    case null
    case array([DLMSValue])
    case structure([DLMSValue])
    case boolean(Bool)
    case bitString(bitCount: Int, bytes: ArraySlice<UInt8>)
    case doubleLong(Int32)
    case doubleLongUnsigned(UInt32)
    // Strings are slices of the decoded APDU: decoding copies nothing.
    case octetString(ArraySlice<UInt8>)
    case visibleString(ArraySlice<UInt8>)
    case utf8String(ArraySlice<UInt8>)
    case bcd(Int8)
    case integer(Int8)
    case long(Int16)
    case unsigned(UInt8)
    case longUnsigned(UInt16)
    case long64(Int64)
    case long64Unsigned(UInt64)
    case enumerated(UInt8)
    case float32(Float)
    case float64(Double)
    case dateTime(CosemDateTime)
    case date([UInt8])
    case time([UInt8])
    case dontCare

    /// The A-XDR tag of each type.
    public enum Tag: UInt8, Sendable {
        case null = 0, array = 1, structure = 2, boolean = 3, bitString = 4, doubleLong = 5
        case doubleLongUnsigned = 6, octetString = 9, visibleString = 10, utf8String = 12, bcd = 13
        case integer = 15, long = 16, unsigned = 17, longUnsigned = 18, compactArray = 19, long64 = 20
        case long64Unsigned = 21, enumerated = 22, float32 = 23, float64 = 24, dateTime = 25, date = 26
        case time = 27, dontCare = 255
    }

    /// The value as a number when it is one (integers, floats, enum, bcd, boolean).
    public var number: Double? {
        switch self {
        case .doubleLong(let v): return Double(v)
        case .doubleLongUnsigned(let v): return Double(v)
        case .bcd(let v): return Double(v)
        case .integer(let v): return Double(v)
        case .long(let v): return Double(v)
        case .unsigned(let v): return Double(v)
        case .longUnsigned(let v): return Double(v)
        case .long64(let v): return Double(v)
        case .long64Unsigned(let v): return Double(v)
        case .enumerated(let v): return Double(v)
        case .float32(let v): return v.isFinite ? Double(v) : nil
        case .float64(let v): return v.isFinite ? v : nil
        case .boolean(let v): return v ? 1 : 0
        case .null, .array, .structure, .bitString, .octetString, .visibleString, .utf8String, .dateTime, .date,
             .time, .dontCare:
            return nil
        }
    }

    /// The bytes of an octet-, visible- or utf8-string.
    public var stringBytes: ArraySlice<UInt8>? {
        switch self {
        case .octetString(let b), .visibleString(let b), .utf8String(let b): return b
        default: return nil
        }
    }

    /// The elements of an array or structure.
    public var elements: [DLMSValue]? {
        switch self {
        case .array(let e), .structure(let e): return e
        default: return nil
        }
    }

    /// The value read as a COSEM date-time: a `date-time` or a 12-byte octet-string.
    public var dateTimeValue: CosemDateTime? {
        switch self {
        case .dateTime(let d): return d
        case .octetString(let b) where b.count == 12: return CosemDateTime(bytes: b)
        default: return nil
        }
    }

    /// The name of the A-XDR type (`double-long-unsigned`, ...), for messages and the decode tool.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .array: return "array"
        case .structure: return "structure"
        case .boolean: return "boolean"
        case .bitString: return "bit-string"
        case .doubleLong: return "double-long"
        case .doubleLongUnsigned: return "double-long-unsigned"
        case .octetString: return "octet-string"
        case .visibleString: return "visible-string"
        case .utf8String: return "utf8-string"
        case .bcd: return "bcd"
        case .integer: return "integer"
        case .long: return "long"
        case .unsigned: return "unsigned"
        case .longUnsigned: return "long-unsigned"
        case .long64: return "long64"
        case .long64Unsigned: return "long64-unsigned"
        case .enumerated: return "enum"
        case .float32: return "float32"
        case .float64: return "float64"
        case .dateTime: return "date-time"
        case .date: return "date"
        case .time: return "time"
        case .dontCare: return "dont-care"
        }
    }
}
