/// Finds the first of a few byte values in a buffer eight bytes at a time (the classic "has zero byte" test on the
/// word XOR each needle; the lowest flagged byte is exact), for the text protocols' line and group scanners.
enum ByteScan {
    /// The index of the first byte in `start..<end` equal to one of the needles (repeat one to look for fewer),
    /// or `end` when there is none.
    @inline(__always)
    static func firstIndex(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                           of a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Int {
        var index = start
        while index + 8 <= end {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian
            let found = zeroBytes(word ^ spread(a)) | zeroBytes(word ^ spread(b)) | zeroBytes(word ^ spread(c))
                | zeroBytes(word ^ spread(d))
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < end {
            let byte = bytes[index]
            if byte == a || byte == b || byte == c || byte == d { return index }
            index += 1
        }
        return end
    }

    @inline(__always)
    private static func spread(_ byte: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(byte) }

    /// The high bit of each zero byte of `x` (exact for the lowest one; bytes above it may be flagged falsely).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }
}
