/// Splits a telegram (`/` .. `!`) or an IEC 62056-21 data block into objects: an OBIS code and its `( ... )`
/// groups, as byte ranges into the telegram. Nothing is copied; the storage is reused from telegram to telegram.
///
///     /FLU5\253769484_A                          header (identification)
///     1-0:1.8.1(000000.034*kWh)                  one group
///     1-0:1.6.0(200509134558S)(02.589*kW)        several groups
///     0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)
///     (00001.001)                                continuation line (DSMR 2.2/3): more groups of the object above
///     !
///
/// Lines that do not parse (unknown code syntax, a group without `)`) are skipped and counted in `skippedLines`;
/// the rest of the telegram is still read.
struct P1TelegramParser {
    struct Object {
        var obis: ObisCode
        /// Indices into `groups`.
        var groupIndices: Range<Int>
    }

    private(set) var header: Range<Int> = 0..<0
    private(set) var objects: [Object] = []
    private(set) var groups: [Range<Int>] = []
    private(set) var skippedLines = 0
    private var codes = ObisTextCache()

    init() {
        objects.reserveCapacity(64)
        groups.reserveCapacity(128)
    }

    /// The groups of an object.
    @inline(__always)
    func groups(of object: Object) -> ArraySlice<Range<Int>> { groups[object.groupIndices] }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) {
        objects.removeAll(keepingCapacity: true)
        groups.removeAll(keepingCapacity: true)
        skippedLines = 0
        header = 0..<0
        let end = bytes.count
        var index = 0
        if end > 0 && bytes[0] == UInt8(ascii: "/") {
            let eol = Self.endOfLine(bytes, from: 1)
            header = 1..<eol
            index = eol
        }
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: " ") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "!") { break }
            if byte == UInt8(ascii: "("), !objects.isEmpty, objects[objects.count - 1].groupIndices.upperBound == groups.count {
                // Continuation line: more groups for the object above.
                let before = groups.count
                if let next = readGroups(bytes, from: index) {
                    objects[objects.count - 1].groupIndices = objects[objects.count - 1].groupIndices.lowerBound..<groups.count
                    index = next
                } else {
                    groups.removeSubrange(before...)
                    skippedLines += 1
                    index = Self.endOfLine(bytes, from: index)
                }
                continue
            }
            index = readObject(bytes, from: index)
        }
    }

    /// One `code(group)(group)...`; returns where reading goes on.
    private mutating func readObject(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let index = ByteScan.firstIndex(in: bytes, from: start, to: bytes.count, of: UInt8(ascii: "("),
                                        UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "\n"))
        guard index < bytes.count, bytes[index] == UInt8(ascii: "("), let obis = codes.obis(bytes, start..<index, line: objects.count) else {
            skippedLines += 1
            return Self.endOfLine(bytes, from: index)
        }
        let first = groups.count
        guard let next = readGroups(bytes, from: index) else {
            groups.removeSubrange(first...)
            skippedLines += 1
            return Self.endOfLine(bytes, from: index)
        }
        objects.append(Object(obis: obis, groupIndices: first..<groups.count))
        return next
    }

    /// Reads `(...)(...)` from `index` (at a `(`); nil when a group is not closed on its line.
    private mutating func readGroups(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count && bytes[index] == UInt8(ascii: "(") {
            let open = index + 1
            let close = ByteScan.firstIndex(in: bytes, from: open, to: bytes.count, of: UInt8(ascii: ")"),
                                            UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "("))
            guard close < bytes.count, bytes[close] == UInt8(ascii: ")") else { return nil }
            groups.append(open..<close)
            index = close + 1
        }
        return index
    }

    private static func endOfLine(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        ByteScan.firstIndex(in: bytes, from: start, to: bytes.count, of: UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                            UInt8(ascii: "\r"), UInt8(ascii: "\r"))
    }
}
