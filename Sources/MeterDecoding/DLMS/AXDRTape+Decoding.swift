#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decoding into an `AXDRTape`: the checks of `AXDRDecoder`, one by one, writing nodes instead of building values.
extension AXDRTape {
    /// Malformed input; `AXDRDecoder` on the same bytes says what and where.
    struct Malformed: Error {}

    /// Copies `input` into the tape, then decodes one `Data` value starting `from` bytes into it, which must end
    /// exactly at the end of `input`. The value is node 0.
    mutating func decode(_ input: ArraySlice<UInt8>, from offset: Int) throws(Malformed) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: input)
        count = 0
        // Every node but those inside compact arrays takes at least its tag byte: room for one node per byte is
        // almost always enough; when not, the storage doubles and decoding starts again.
        if nodes.count < bytes.count - offset + 1 { grow(to: bytes.count - offset + 1) }
        while true {
            switch parse(from: offset) {
            case .decoded: return
            case .malformed: throw Malformed()
            case .full: grow(to: nodes.count * 2)
            }
        }
    }

    private mutating func grow(to size: Int) {
        nodes.append(contentsOf: repeatElement(Node(tag: 0, count: 0, end: 0, start: 0, bits: 0),
                                               count: max(size - nodes.count, 0)))
    }

    private mutating func parse(from offset: Int) -> Parser.Outcome {
        var descriptions = descriptionScratch
        descriptionScratch = []
        var parsed = 0
        var firstElement = 0..<0
        var reused = false
        let input = bytes
        let list = repeatedList
        let outcome = input.withUnsafeBufferPointer { p -> Parser.Outcome in
            nodes.withUnsafeMutableBufferPointer { storage -> Parser.Outcome in
                var parser = Parser(p: p, nodes: storage, descriptions: descriptions, index: offset)
                descriptions = []   // the parser holds the only reference: no copy on write
                defer {
                    descriptions = parser.descriptions
                    parsed = parser.count
                    firstElement = parser.firstElement
                    reused = parser.reusedList
                }
                do throws(Parser.Outcome) {
                    try parser.root(reusing: list)
                } catch {
                    return error
                }
                return parser.index == p.count ? .decoded : .malformed
            }
        }
        descriptionScratch = descriptions
        count = parsed
        reusedList = outcome == .decoded && reused
        if outcome == .decoded && !reused { rememberList(bytes: firstElement) }
        return outcome
    }
}

/// One element layout of a compact array, flattened like the nodes: a container is followed by its members.
struct CompactTypeDescription {
    var tag: DLMSValue.Tag
    /// Arrays: element count; structures: member count.
    var count: Int
    /// Index after this description and its members.
    var end: Int
    /// The fewest bytes one value of this layout occupies (saturating).
    var minimumSize: Int
}

extension AXDRTape {
    private struct Parser {
        enum Outcome: Error {
            case decoded, malformed, full
        }

        let p: UnsafeBufferPointer<UInt8>
        let nodes: UnsafeMutableBufferPointer<Node>
        var descriptions: [CompactTypeDescription]
        var index: Int
        var count = 0
        /// Bytes of the root structure's first element, once parsed.
        var firstElement = 0..<0
        /// Whether the root's first element was taken from the list remembered from the previous message.
        var reusedList = false

        init(p: UnsafeBufferPointer<UInt8>, nodes: UnsafeMutableBufferPointer<Node>,
             descriptions: [CompactTypeDescription], index: Int) {
            self.p = p
            self.nodes = nodes
            self.descriptions = descriptions
            self.index = index
        }

        @inline(__always)
        mutating func append(_ node: Node) throws(Outcome) {
            guard count < nodes.count else { throw .full }
            nodes[count] = node
            count += 1
        }

        @inline(__always)
        mutating func byte() throws(Outcome) -> UInt8 {
            guard index < p.count else { throw .malformed }
            defer { index += 1 }
            return p[index]
        }

        @inline(__always)
        mutating func unsigned(width: Int) throws(Outcome) -> UInt64 {
            guard width <= p.count - index else { throw .malformed }
            var value: UInt64 = 0
            for offset in index..<(index + width) { value = value << 8 | UInt64(p[offset]) }
            index += width
            return value
        }

        /// A-XDR length field, not checked against what remains.
        @inline(__always)
        mutating func lengthField() throws(Outcome) -> Int {
            let first = try byte()
            if first < 0x80 { return Int(first) }
            let width = Int(first & 0x7F)
            guard (1...4).contains(width) else { throw .malformed }
            return Int(try unsigned(width: width))
        }

        /// A length that must fit into what remains.
        @inline(__always)
        mutating func length() throws(Outcome) -> Int {
            let length = try lengthField()
            guard length <= p.count - index else { throw .malformed }
            return length
        }

        @inline(__always)
        mutating func skip(_ count: Int) throws(Outcome) -> Int {
            guard count >= 0, count <= p.count - index else { throw .malformed }
            defer { index += count }
            return index
        }

        /// The root value, its first element copied from `list` when the bytes are those of the list.
        mutating func root(reusing list: RepeatedList?) throws(Outcome) {
            let structure = DLMSValue.Tag.structure.rawValue
            if let list, index < p.count, p[index] == structure {
                let start = index
                index += 1
                let elements = try length()
                if elements > 0, list.bytes.count <= p.count - index,
                   list.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p.baseAddress! + index, $0.count) }) == 0 {
                    try append(Node(tag: structure, count: elements, end: 0, start: 0, bits: 0))
                    guard count + list.nodes.count <= nodes.count else { throw .full }
                    let shift = index - list.start
                    for node in list.nodes {
                        nodes[count] = node
                        if shift != 0 { nodes[count].start += shift }
                        count += 1
                    }
                    firstElement = index..<(index + list.bytes.count)
                    index += list.bytes.count
                    reusedList = true
                    try self.elements(elements, of: 0, depth: 0, from: 1)
                    return
                }
                index = start
            }
            try value(depth: 0)
        }

        mutating func value(depth: Int) throws(Outcome) {
            guard depth < AXDRDecoder.maximumDepth else { throw .malformed }
            let tag = try byte()
            switch tag {
            case DLMSValue.Tag.array.rawValue, DLMSValue.Tag.structure.rawValue:
                let elements = try length()
                let container = count
                try append(Node(tag: tag, count: elements, end: 0, start: 0, bits: 0))
                try self.elements(elements, of: container, depth: depth)
            case DLMSValue.Tag.compactArray.rawValue:
                try compactArray(depth: depth)
            default:
                try untagged(tag)
            }
        }

        /// The elements `first..<number` of a container at `depth`. Leaves are read here, only containers recurse.
        mutating func elements(_ number: Int, of container: Int, depth: Int, from first: Int = 0) throws(Outcome) {
            if number > first { guard depth + 1 < AXDRDecoder.maximumDepth else { throw .malformed } }
            for element in first..<max(number, first) {
                guard index < p.count else { throw .malformed }
                let start = index
                let tag = p[index]
                if tag == DLMSValue.Tag.array.rawValue || tag == DLMSValue.Tag.structure.rawValue
                    || tag == DLMSValue.Tag.compactArray.rawValue {
                    try value(depth: depth + 1)
                } else {
                    index += 1
                    try untagged(tag)
                }
                if depth == 0 && element == 0 && container == 0 { firstElement = start..<index }
            }
            nodes[container].end = count
        }

        /// The contents of a value whose tag is known (not a container).
        mutating func untagged(_ tag: UInt8) throws(Outcome) {
            var node = Node(tag: tag, count: 0, end: count + 1, start: 0, bits: 0)
            switch tag {
            case 0, 255: break                                               // null, dont-care
            case 3: node.bits = try byte() != 0 ? 1 : 0                      // boolean
            case 13, 15, 17, 22: node.bits = UInt64(try byte())              // bcd, integer, unsigned, enum
            case 16, 18: node.bits = try unsigned(width: 2)                  // long, long-unsigned
            case 5, 6, 23: node.bits = try unsigned(width: 4)                // double-long(-unsigned), float32
            case 20, 21, 24: node.bits = try unsigned(width: 8)              // long64(-unsigned), float64
            case 4:                                                          // bit-string
                let bits = try lengthField()
                node.count = bits
                node.start = try skip((bits + 7) / 8)
            case 9, 10, 12:                                                  // octet-, visible-, utf8-string
                let length = try length()
                node.count = length
                node.start = try skip(length)
            case 25: node.start = try skip(12)                               // date-time
            case 26: node.start = try skip(5)                                // date
            case 27: node.start = try skip(4)                                // time
            default: throw .malformed                                        // unknown, or a container
            }
            try append(node)
        }

        // MARK: compact-array

        mutating func compactArray(depth: Int) throws(Outcome) {
            descriptions.removeAll(keepingCapacity: true)
            try typeDescription(depth: depth + 1)
            guard descriptions[0].minimumSize > 0 else { throw .malformed }
            let contentLength = try length()
            let end = index + contentLength
            let container = count
            try append(Node(tag: DLMSValue.Tag.array.rawValue, count: 0, end: 0, start: 0, bits: 0))
            var elements = 0
            while index < end {
                let before = index
                try element(0, depth: depth + 1)
                guard index <= end, index > before else { throw .malformed }
                elements += 1
            }
            nodes[container].count = elements
            nodes[container].end = count
        }

        mutating func typeDescription(depth: Int) throws(Outcome) {
            guard depth < AXDRDecoder.maximumDepth else { throw .malformed }
            guard let tag = DLMSValue.Tag(rawValue: try byte()) else { throw .malformed }
            let at = descriptions.count
            switch tag {
            case .array:
                let elements = Int(try unsigned(width: 2))
                descriptions.append(CompactTypeDescription(tag: tag, count: elements, end: 0, minimumSize: 0))
                try typeDescription(depth: depth + 1)
                let element = descriptions[at + 1].minimumSize
                guard element > 0 else { throw .malformed }
                let (product, overflow) = elements.multipliedReportingOverflow(by: element)
                descriptions[at].minimumSize = overflow ? Int.max : product
            case .structure:
                let members = try length()
                descriptions.append(CompactTypeDescription(tag: tag, count: members, end: 0, minimumSize: 0))
                var total = 0
                for _ in 0..<members {
                    let member = descriptions.count
                    try typeDescription(depth: depth + 1)
                    let (sum, overflow) = total.addingReportingOverflow(descriptions[member].minimumSize)
                    total = overflow ? Int.max : sum
                }
                descriptions[at].minimumSize = total
            case .compactArray:
                throw .malformed
            default:
                descriptions.append(CompactTypeDescription(tag: tag, count: 0, end: 0,
                                                           minimumSize: Self.minimumSize(of: tag)))
            }
            descriptions[at].end = descriptions.count
        }

        static func minimumSize(of tag: DLMSValue.Tag) -> Int {
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
        }

        /// One element laid out by `descriptions[at]`.
        mutating func element(_ at: Int, depth: Int) throws(Outcome) {
            guard depth < AXDRDecoder.maximumDepth else { throw .malformed }
            let description = descriptions[at]
            switch description.tag {
            case .array:
                guard description.minimumSize <= p.count - index else { throw .malformed }
                let container = count
                try append(Node(tag: DLMSValue.Tag.array.rawValue, count: description.count, end: 0, start: 0, bits: 0))
                for _ in 0..<description.count { try element(at + 1, depth: depth + 1) }
                nodes[container].end = count
            case .structure:
                let container = count
                try append(Node(tag: DLMSValue.Tag.structure.rawValue, count: description.count, end: 0, start: 0,
                                bits: 0))
                var member = at + 1
                for _ in 0..<description.count {
                    try element(member, depth: depth + 1)
                    member = descriptions[member].end
                }
                nodes[container].end = count
            default:
                try untagged(description.tag.rawValue)
            }
        }
    }
}
