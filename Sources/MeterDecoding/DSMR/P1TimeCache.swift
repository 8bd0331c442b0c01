/// UTC seconds of the P1 times (`YYMMDDhhmmss` with `S`/`W`) of the last telegrams, by their text.
///
/// A Fluvius telegram holds about ten times and all but its own clock repeat from one telegram to the next (the
/// month starts and peaks of the demand history, the M-Bus capture times, the current peak). Reading the digits,
/// checking the calendar and finding the zone offset cost several hundred instructions each time; looking the
/// text up costs a few dozen. Answers are those of `P1Field.wallClock` followed by `P1Clock.utcSeconds`,
/// including nil for a text that is no valid time (placeholders repeat too).
struct P1TimeCache {
    private struct Entry {
        /// Bytes 0-7 of the text.
        var low: UInt64 = 0
        /// Bytes 8-11, the suffix in bits 32-39 and the length in bits 40-47; 0 for an empty slot.
        var high: UInt64 = 0
        var seconds: Int64?
    }
    private var entries = [Entry](repeating: Entry(), count: Self.size)
    private static let size = 128

    init() {}

    mutating func utcSeconds(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, clock: inout P1Clock) -> Int64? {
        let length = range.count
        guard length == 12 || length == 13 else { return nil }
        let low = bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self)
        var high = UInt64(bytes.loadUnaligned(fromByteOffset: range.lowerBound + 8, as: UInt32.self)) | UInt64(length) << 40
        if length == 13 { high |= UInt64(bytes[range.lowerBound + 12]) << 32 }
        let home = Int(truncatingIfNeeded: ((low ^ (high &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9) >> 57)
        // Two slots per text: the clock of each new telegram then rarely pushes out a text that repeats.
        let other = (home + 1) & (Self.size - 1)
        if entries[home].low == low && entries[home].high == high { return entries[home].seconds }
        if entries[other].low == low && entries[other].high == high { return entries[other].seconds }
        let seconds = P1Field.wallClock(bytes, range).map { clock.utcSeconds($0) }
        entries[entries[home].high == 0 || entries[other].high != 0 ? home : other] =
            Entry(low: low, high: high, seconds: seconds)
        return seconds
    }
}
