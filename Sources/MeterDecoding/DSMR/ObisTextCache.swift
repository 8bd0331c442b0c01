/// OBIS codes of the last telegrams by their text (`1-0:1.8.1`), direct-mapped: a meter sends the same few dozen
/// codes every second, and parsing each one digit by digit was the largest single cost of reading a telegram.
/// Answers are those of `P1Field.obis` for the same text; texts longer than 16 bytes are not cached.
struct ObisTextCache {
    private struct Entry {
        var low: UInt64 = 0
        var high: UInt64 = 0
        /// 0 for an empty slot.
        var length = 0
        var code = ObisCode(0, 0, 0, 0, 0)

        @inline(__always)
        func holds(_ key: (UInt64, UInt64), length: Int) -> Bool { self.length == length && low == key.0 && high == key.1 }
    }
    private var entries = [Entry](repeating: Entry(), count: Self.size)
    private static let size = 256
    /// Slots looked at from the hashed one: a few dozen codes then (almost) never evict each other.
    private static let probes = 4
    /// The code seen last at each line of a telegram: a meter sends its lines in the same order every time, so
    /// the line's own slot answers before any hashing.
    private var byLine = [Entry](repeating: Entry(), count: Self.lines)
    private static let lines = 64

    init() {}

    /// The code of the text at `range`, the `line`-th object of its telegram.
    mutating func obis(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, line: Int) -> ObisCode? {
        let length = range.count
        guard length > 0, length <= 16 else { return P1Field.obis(bytes, range) }
        let key = Self.key(bytes, range)
        if line < Self.lines {
            let seen = byLine[line]
            if seen.holds(key, length: length) { return seen.code }
            guard let code = lookUp(bytes, range, key) else { return nil }
            byLine[line] = Entry(low: key.0, high: key.1, length: length, code: code)
            return code
        }
        return lookUp(bytes, range, key)
    }

    /// The text's bytes as two words, zero past its end (length 1...16).
    @inline(__always)
    private static func key(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> (UInt64, UInt64) {
        let length = range.count
        guard range.lowerBound + 16 <= bytes.count else {
            var key: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &key) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[range])) }
            return key
        }
        // Two loads and masks instead of a copy of `length` bytes (most of the telegram follows the code).
        let low = bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self).littleEndian
        let high = bytes.loadUnaligned(fromByteOffset: range.lowerBound + 8, as: UInt64.self).littleEndian
        let lowMask: UInt64 = length >= 8 ? ~0 : (1 << UInt64(8 * length)) &- 1
        let highMask: UInt64 = length >= 16 ? ~0 : length <= 8 ? 0 : (1 << UInt64(8 * (length - 8))) &- 1
        return (low & lowMask, high & highMask)
    }

    private mutating func lookUp(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ key: (UInt64, UInt64))
        -> ObisCode? {
        let length = range.count
        let mixed = (key.0 ^ (key.1 &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(length)) &* 0xBF58_476D_1CE4_E5B9
        let home = Int(truncatingIfNeeded: mixed >> 56)
        var free: Int? = nil
        for probe in 0..<Self.probes {
            let slot = (home + probe) & (Self.size - 1)
            let entry = entries[slot]
            if entry.holds(key, length: length) { return entry.code }
            if entry.length == 0 && free == nil { free = slot }
        }
        guard let code = P1Field.obis(bytes, range) else { return nil }
        entries[free ?? home] = Entry(low: key.0, high: key.1, length: length, code: code)
        return code
    }
}
