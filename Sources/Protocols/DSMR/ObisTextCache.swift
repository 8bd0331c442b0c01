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
    }
    private var entries = [Entry](repeating: Entry(), count: Self.size)
    private static let size = 256
    /// Slots looked at from the hashed one: a few dozen codes then (almost) never evict each other.
    private static let probes = 4

    init() {}

    mutating func obis(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> ObisCode? {
        let length = range.count
        guard length > 0, length <= 16 else { return P1Field.obis(bytes, range) }
        var key: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &key) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[range])) }
        let mixed = (key.0 ^ (key.1 &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(length)) &* 0xBF58_476D_1CE4_E5B9
        let home = Int(truncatingIfNeeded: mixed >> 56)
        var free: Int? = nil
        for probe in 0..<Self.probes {
            let slot = (home + probe) & (Self.size - 1)
            let entry = entries[slot]
            if entry.length == length && entry.low == key.0 && entry.high == key.1 { return entry.code }
            if entry.length == 0 && free == nil { free = slot }
        }
        guard let code = P1Field.obis(bytes, range) else { return nil }
        entries[free ?? home] = Entry(low: key.0, high: key.1, length: length, code: code)
        return code
    }
}
