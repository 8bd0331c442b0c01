/// An A-XDR `Data` value decoded into one flat list of nodes instead of a tree of arrays, for the decoding hot path.
///
///     structure(2) { octet-string "LGZ1", array(1) { long-unsigned 7 } }
///     nodes: [0] structure count 2 end 4 | [1] octet-string start..+4 end 2 | [2] array count 1 end 4 | [3] 7 end 4
///
/// A container is followed by its elements (pre-order) and records where its subtree ends, so elements are walked
/// without recursion or allocation. Strings, dates and times are byte ranges into `bytes`, the tape's own copy of
/// the decoded input. A tape that decoded the previous message decodes the next one into the same storage:
/// steady-state decoding allocates nothing.
///
/// It accepts exactly what `AXDRDecoder` accepts (same checks, same nesting cap; `AXDRTape+Decoding.swift`) and
/// reads values the same way (`number`, `stringBytes`, `dateTime`); malformed input is only flagged, and
/// `AXDRDecoder` is asked for the explanation.
struct AXDRTape {
    struct Node {
        /// The A-XDR tag byte (`DLMSValue.Tag` raw value; compact arrays are stored as arrays).
        var tag: UInt8
        /// Containers: number of elements. Strings: byte count. Bit-strings: bit count.
        var count: Int
        /// Index of the first node after this value and its elements.
        var end: Int
        /// Strings, bit-strings, dates and times: offset in `bytes` of their first byte.
        var start: Int
        /// Numbers: the big-endian bits as read (not sign-extended); booleans 0 or 1.
        var bits: UInt64
    }

    /// The nodes, valid up to `count` (the storage beyond is kept for the next message).
    var nodes: [Node] = []
    var count = 0
    /// The decoded input; node ranges index into it.
    var bytes: [UInt8] = []
    /// Reused storage of compact-array layouts while decoding.
    var descriptionScratch: [CompactTypeDescription] = []
    /// The root structure's first element when it is an array (the capture-object list push meters repeat in every
    /// message), as bytes and nodes: a next message whose list has the same bytes copies the nodes, unparsed.
    var repeatedList: RepeatedList? = nil
    /// Whether the last decode took the root's first element from `repeatedList`.
    var reusedList = false

    struct RepeatedList {
        var bytes: [UInt8]
        /// Nodes 1..<end of the message it was read from.
        var nodes: [Node]
        /// Offset in that message of its first byte.
        var start: Int
    }

    /// Keeps the list just decoded (`range` of `bytes`) for the next message, when the root has one worth keeping.
    mutating func rememberList(bytes range: Range<Int>) {
        guard count > 2, tag(0) == .structure, tag(1) == .array, nodes[1].end - 1 >= 8 else {
            repeatedList = nil
            return
        }
        repeatedList = RepeatedList(bytes: Array(bytes[range]), nodes: Array(nodes[1..<nodes[1].end]),
                                    start: range.lowerBound)
    }

    init() {
        nodes = [Node](repeating: Node(tag: 0, count: 0, end: 0, start: 0, bits: 0), count: 256)
        bytes.reserveCapacity(1024)
    }

    // MARK: - reading values (as `DLMSValue` reads them)

    @inline(__always)
    func isContainer(_ index: Int) -> Bool {
        let tag = nodes[index].tag
        return tag == DLMSValue.Tag.array.rawValue || tag == DLMSValue.Tag.structure.rawValue
    }

    /// The node indices of the elements of a container (empty for other values).
    func elements(of index: Int) -> Elements {
        Elements(nodes: nodes, first: isContainer(index) ? index + 1 : nodes[index].end, end: nodes[index].end)
    }

    struct Elements: Sequence, IteratorProtocol {
        fileprivate let nodes: [Node]
        fileprivate var following: Int
        fileprivate let end: Int

        fileprivate init(nodes: [Node], first: Int, end: Int) {
            self.nodes = nodes
            self.following = first
            self.end = end
        }

        mutating func next() -> Int? {
            guard following < end else { return nil }
            defer { following = nodes[following].end }
            return following
        }
    }

    /// The value as a number when it is one (integers, floats, enum, bcd, boolean), as `DLMSValue.number`.
    func number(_ index: Int) -> Double? {
        let bits = nodes[index].bits
        switch nodes[index].tag {                                    // raw tags: this runs for every value
        case 5: return Double(Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))           // double-long
        case 6: return Double(UInt32(truncatingIfNeeded: bits))                               // double-long-unsigned
        case 13, 15: return Double(Int8(bitPattern: UInt8(truncatingIfNeeded: bits)))       // bcd, integer
        case 16: return Double(Int16(bitPattern: UInt16(truncatingIfNeeded: bits)))          // long
        case 17, 22: return Double(UInt8(truncatingIfNeeded: bits))                           // unsigned, enum
        case 18: return Double(UInt16(truncatingIfNeeded: bits))                              // long-unsigned
        case 20: return Double(Int64(bitPattern: bits))                                       // long64
        case 21: return Double(bits)                                                          // long64-unsigned
        case 23:                                                                              // float32
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: bits))
            return value.isFinite ? Double(value) : nil
        case 24:                                                                              // float64
            let value = Double(bitPattern: bits)
            return value.isFinite ? value : nil
        case 3: return bits != 0 ? 1 : 0                                                      // boolean
        default: return nil
        }
    }

    /// The bytes of an octet-, visible- or utf8-string, as `DLMSValue.stringBytes`.
    func stringBytes(_ index: Int) -> ArraySlice<UInt8>? {
        let node = nodes[index]
        switch tag(index) {
        case .octetString, .visibleString, .utf8String: return bytes[node.start..<(node.start + node.count)]
        default: return nil
        }
    }

    /// Whether the value is an octet-string of `count` bytes.
    @inline(__always)
    func isOctetString(_ index: Int, count: Int) -> Bool {
        nodes[index].tag == DLMSValue.Tag.octetString.rawValue && nodes[index].count == count
    }

    /// The value read as a COSEM date-time (a `date-time` or a 12-byte octet-string), as `DLMSValue.dateTimeValue`.
    func dateTime(_ index: Int) -> CosemDateTime? {
        let node = nodes[index]
        switch tag(index) {
        case .dateTime: return CosemDateTime(bytes: bytes[node.start..<(node.start + 12)])
        case .octetString where node.count == 12: return CosemDateTime(bytes: bytes[node.start..<(node.start + 12)])
        default: return nil
        }
    }

    /// The unsigned value of an integer-typed node of the given tag, nil for other tags.
    @inline(__always)
    func unsigned(_ index: Int, as tag: DLMSValue.Tag) -> UInt64? {
        nodes[index].tag == tag.rawValue ? nodes[index].bits : nil
    }

    /// The tag of a node.
    @inline(__always)
    func tag(_ index: Int) -> DLMSValue.Tag {
        // Only valid tags are ever stored.
        DLMSValue.Tag(rawValue: nodes[index].tag) ?? .null
    }

    // MARK: - for tools and tests

    /// The value as a `DLMSValue` tree (compact arrays read as arrays, as `AXDRDecoder` reads them).
    func value(_ index: Int) -> DLMSValue {
        let node = nodes[index]
        let bits = node.bits
        let range = node.start..<(node.start + node.count)
        switch tag(index) {
        case .null: return .null
        case .dontCare: return .dontCare
        case .array, .compactArray: return .array(elements(of: index).map { value($0) })
        case .structure: return .structure(elements(of: index).map { value($0) })
        case .boolean: return .boolean(bits != 0)
        case .bitString:
            return .bitString(bitCount: node.count, bytes: bytes[node.start..<(node.start + (node.count + 7) / 8)])
        case .doubleLong: return .doubleLong(Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .doubleLongUnsigned: return .doubleLongUnsigned(UInt32(truncatingIfNeeded: bits))
        case .octetString: return .octetString(bytes[range])
        case .visibleString: return .visibleString(bytes[range])
        case .utf8String: return .utf8String(bytes[range])
        case .bcd: return .bcd(Int8(bitPattern: UInt8(truncatingIfNeeded: bits)))
        case .integer: return .integer(Int8(bitPattern: UInt8(truncatingIfNeeded: bits)))
        case .long: return .long(Int16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .unsigned: return .unsigned(UInt8(truncatingIfNeeded: bits))
        case .longUnsigned: return .longUnsigned(UInt16(truncatingIfNeeded: bits))
        case .long64: return .long64(Int64(bitPattern: bits))
        case .long64Unsigned: return .long64Unsigned(bits)
        case .enumerated: return .enumerated(UInt8(truncatingIfNeeded: bits))
        case .float32: return .float32(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return .float64(Double(bitPattern: bits))
        case .dateTime: return .dateTime(CosemDateTime(bytes: bytes[node.start..<(node.start + 12)]))
        case .date: return .date(Array(bytes[node.start..<(node.start + 5)]))
        case .time: return .time(Array(bytes[node.start..<(node.start + 4)]))
        }
    }
}
