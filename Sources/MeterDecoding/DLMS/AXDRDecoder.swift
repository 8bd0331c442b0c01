/// Decodes A-XDR `Data` values from a byte slice without copying the input.
///
/// Every length and element count is checked against the bytes that remain and nesting is capped, so no input can
/// make the decoder crash, allocate without bound or loop forever.
public struct AXDRDecoder {
    public struct DecodingError: Error, Equatable, CustomStringConvertible, Sendable {
        public enum Code: String, Sendable {
            case truncated, unknownTag, tooDeep, badLength, badCompactArray
        }
        public let code: Code
        /// Offset from the start of the decoded slice.
        public let offset: Int
        public let detail: String
        public var description: String { "A-XDR \(code.rawValue) at byte \(offset): \(detail)" }
    }

    public static let maximumDepth = 16

    private let bytes: ArraySlice<UInt8>
    /// Index into `bytes` of the next unread byte.
    public private(set) var index: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    public var remaining: Int { bytes.endIndex - index }
    public var isAtEnd: Bool { index >= bytes.endIndex }
    private var offset: Int { index - bytes.startIndex }

    private func error(_ code: DecodingError.Code, _ detail: String) -> DecodingError {
        DecodingError(code: code, offset: offset, detail: detail)
    }

    public mutating func readByte() throws(DecodingError) -> UInt8 {
        guard index < bytes.endIndex else { throw error(.truncated, "need 1 more byte") }
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func readBytes(_ count: Int) throws(DecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw error(.truncated, "need \(count) bytes, \(remaining) left")
        }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// Big-endian unsigned integer of `width` bytes (1...8).
    public mutating func readUnsigned(width: Int) throws(DecodingError) -> UInt64 {
        let slice = try readBytes(width)
        var value: UInt64 = 0
        for byte in slice { value = value << 8 | UInt64(byte) }
        return value
    }

    /// A-XDR length: one byte below 0x80, else 0x8N followed by N big-endian length bytes (N = 1...4).
    /// The length must fit into what is left.
    public mutating func readLength() throws(DecodingError) -> Int {
        let length = try readLengthField()
        guard length <= remaining else { throw error(.truncated, "length \(length) but \(remaining) bytes left") }
        return length
    }

    /// The length field alone, not checked against the remaining bytes (a bit-string counts bits).
    private mutating func readLengthField() throws(DecodingError) -> Int {
        let first = try readByte()
        let length: Int
        if first < 0x80 {
            length = Int(first)
        } else {
            let width = Int(first & 0x7F)
            guard (1...4).contains(width) else { throw error(.badLength, "length of \(width) bytes") }
            length = Int(try readUnsigned(width: width))
        }
        return length
    }

    /// Decodes one tagged `Data` value.
    public mutating func decodeValue() throws(DecodingError) -> DLMSValue {
        try decodeValue(depth: 0)
    }

    private mutating func decodeValue(depth: Int) throws(DecodingError) -> DLMSValue {
        guard depth < Self.maximumDepth else { throw error(.tooDeep, "nesting deeper than \(Self.maximumDepth)") }
        let tagByte = try readByte()
        guard let tag = DLMSValue.Tag(rawValue: tagByte) else {
            index -= 1
            throw error(.unknownTag, "tag 0x\(Hex.string([tagByte]))")
        }
        switch tag {
        case .array, .structure:
            let count = try readLength()
            var elements: [DLMSValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try decodeValue(depth: depth + 1)) }
            return tag == .array ? .array(elements) : .structure(elements)
        case .compactArray:
            return .array(try decodeCompactArray(depth: depth))
        default:
            return try decodeUntagged(tag, depth: depth)
        }
    }

    /// Decodes the contents of a value whose tag is known (also used inside compact arrays).
    private mutating func decodeUntagged(_ tag: DLMSValue.Tag, depth: Int) throws(DecodingError) -> DLMSValue {
        switch tag {
        case .null: return .null
        case .dontCare: return .dontCare
        case .boolean: return .boolean(try readByte() != 0)
        case .bitString:
            let bits = try readLengthField()
            let byteCount = (bits + 7) / 8
            return .bitString(bitCount: bits, bytes: try readBytes(byteCount))
        case .doubleLong: return .doubleLong(Int32(bitPattern: UInt32(try readUnsigned(width: 4))))
        case .doubleLongUnsigned: return .doubleLongUnsigned(UInt32(try readUnsigned(width: 4)))
        case .octetString: return .octetString(try readBytes(try readLength()))
        case .visibleString: return .visibleString(try readBytes(try readLength()))
        case .utf8String: return .utf8String(try readBytes(try readLength()))
        case .bcd: return .bcd(Int8(bitPattern: try readByte()))
        case .integer: return .integer(Int8(bitPattern: try readByte()))
        case .long: return .long(Int16(bitPattern: UInt16(try readUnsigned(width: 2))))
        case .unsigned: return .unsigned(try readByte())
        case .longUnsigned: return .longUnsigned(UInt16(try readUnsigned(width: 2)))
        case .long64: return .long64(Int64(bitPattern: try readUnsigned(width: 8)))
        case .long64Unsigned: return .long64Unsigned(try readUnsigned(width: 8))
        case .enumerated: return .enumerated(try readByte())
        case .float32: return .float32(Float(bitPattern: UInt32(try readUnsigned(width: 4))))
        case .float64: return .float64(Double(bitPattern: try readUnsigned(width: 8)))
        case .dateTime: return .dateTime(CosemDateTime(bytes: try readBytes(12)))
        case .date: return .date(Array(try readBytes(5)))
        case .time: return .time(Array(try readBytes(4)))
        case .array, .structure, .compactArray:
            throw error(.badCompactArray, "container without a type description")
        }
    }

    // MARK: compact-array

    /// The element layout of a compact array.
    private indirect enum TypeDescription {
        case simple(DLMSValue.Tag)
        case array(count: Int, element: TypeDescription)
        case structure([TypeDescription])
    }

    private mutating func readTypeDescription(depth: Int) throws(DecodingError) -> TypeDescription {
        guard depth < Self.maximumDepth else { throw error(.tooDeep, "type description deeper than \(Self.maximumDepth)") }
        let tagByte = try readByte()
        guard let tag = DLMSValue.Tag(rawValue: tagByte) else {
            throw error(.unknownTag, "tag 0x\(Hex.string([tagByte])) in compact-array description")
        }
        switch tag {
        case .array:
            let count = Int(try readUnsigned(width: 2))
            let element = try readTypeDescription(depth: depth + 1)
            guard Self.minimumSize(of: element) > 0 else { throw error(.badCompactArray, "array of zero-size elements") }
            return .array(count: count, element: element)
        case .structure:
            let count = try readLength()
            var members: [TypeDescription] = []
            for _ in 0..<count { members.append(try readTypeDescription(depth: depth + 1)) }
            return .structure(members)
        case .compactArray:
            throw error(.badCompactArray, "nested compact-array")
        default:
            return .simple(tag)
        }
    }

    private mutating func decodeCompactArray(depth: Int) throws(DecodingError) -> [DLMSValue] {
        let description = try readTypeDescription(depth: depth + 1)
        // Every element must take at least one byte, or nested counts could ask for billions of empty elements.
        guard Self.minimumSize(of: description) > 0 else {
            throw error(.badCompactArray, "elements of zero size")
        }
        let contentLength = try readLength()
        let end = index + contentLength
        var elements: [DLMSValue] = []
        while index < end {
            let before = index
            let element = try decode(description, depth: depth + 1)
            guard index <= end, index > before else { throw error(.badCompactArray, "element overruns the contents") }
            elements.append(element)
        }
        return elements
    }

    /// The fewest bytes one element of `description` occupies in the packed contents (saturating).
    private static func minimumSize(of description: TypeDescription) -> Int {
        switch description {
        case .simple(let tag):
            switch tag {
            case .null, .dontCare: return 0
            case .boolean, .bcd, .integer, .unsigned, .enumerated: return 1
            case .long, .longUnsigned: return 2
            case .doubleLong, .doubleLongUnsigned, .float32, .time: return 4
            case .long64, .long64Unsigned, .float64: return 8
            case .date: return 5
            case .dateTime: return 12
            case .bitString, .octetString, .visibleString, .utf8String: return 1
            case .array, .structure, .compactArray: return 1
            }
        case .array(let count, let element):
            let (product, overflow) = count.multipliedReportingOverflow(by: minimumSize(of: element))
            return overflow ? Int.max : product
        case .structure(let members):
            return members.reduce(0) { sum, member in
                let (total, overflow) = sum.addingReportingOverflow(minimumSize(of: member))
                return overflow ? Int.max : total
            }
        }
    }

    private mutating func decode(_ description: TypeDescription, depth: Int) throws(DecodingError) -> DLMSValue {
        guard depth < Self.maximumDepth else { throw error(.tooDeep, "nesting deeper than \(Self.maximumDepth)") }
        switch description {
        case .simple(let tag):
            return try decodeUntagged(tag, depth: depth)
        case .array(let count, let element):
            guard Self.minimumSize(of: description) <= remaining else {
                throw error(.truncated, "compact array of \(count) elements")
            }
            var elements: [DLMSValue] = []
            for _ in 0..<count { elements.append(try decode(element, depth: depth + 1)) }
            return .array(elements)
        case .structure(let members):
            var elements: [DLMSValue] = []
            for member in members { elements.append(try decode(member, depth: depth + 1)) }
            return .structure(elements)
        }
    }
}
