/// Byte-level readers for the contents of one `( ... )` group of a P1 telegram or IEC 62056-21 data line:
/// decimal numbers with an optional `*unit`, `YYMMDDhhmmssX` times, OBIS codes and hex-encoded text.
/// No Foundation and no allocation except for the text that is returned.
enum P1Field {
    /// A decimal number already scaled to the unit the DLMS side uses (kWh -> Wh, ...).
    struct Quantity: Equatable {
        var value: Double
        var unit: String?
    }

    /// `000015.758*kWh` -> 15758 Wh; `0001` -> 1; `-80.7*Deg` -> -80.7 °. nil when the text before `*` is not a
    /// decimal number or is empty.
    static func quantity(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Quantity? {
        var index = range.lowerBound
        let end = range.upperBound
        guard index < end else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var decimals = 0
        var overflow = 0   // integer digits dropped because the mantissa is full
        // Integer digits, then fraction digits after one point: two loops rather than one testing for the point
        // at every digit. Digits beyond 18 significant ones are dropped (counted in the exponent before the point).
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            if mantissa < 100_000_000_000_000_000 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
            } else {
                overflow += 1
            }
            digits += 1
            index += 1
        }
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if mantissa < 100_000_000_000_000_000 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    decimals += 1
                }
                digits += 1
                index += 1
            }
        }
        guard digits > 0 else { return nil }
        var unit: String? = nil
        var exponent = overflow - decimals
        if index < end {
            guard bytes[index] == UInt8(ascii: "*") else { return nil }
            let (name, unitExponent) = P1Unit.normalise(bytes, index + 1..<end)
            unit = name
            exponent += unitExponent
        }
        let magnitude = scale(Double(mantissa), exponent)
        return Quantity(value: negative ? -magnitude : magnitude, unit: unit)
    }

    /// mantissa x 10^exponent, dividing for negative exponents so that 2347 x 10^-1 is exactly 234.7.
    @inline(__always)
    static func scale(_ mantissa: Double, _ exponent: Int) -> Double {
        if exponent == 0 { return mantissa }
        let power = exponent > 0 ? exponent : -exponent
        let factor = power < powersOfTen.count ? powersOfTen[power] : pow10(power)
        return exponent > 0 ? mantissa * factor : mantissa / factor
    }

    private static let powersOfTen: [Double] = (0..<23).map { pow10($0) }

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= 10 }
        return result
    }

    /// A P1 time `YYMMDDhhmmss` with an optional `S` (summer) or `W` (winter) suffix, as wall-clock seconds.
    /// nil for anything else, including the placeholder `632525252525W` some meters send for "no time".
    /// Some meters send the suffix in lower case (`150701190000s`); it means the same.
    struct WallClock: Equatable {
        var seconds: Int64
        /// `S`, `W` (upper case whatever was sent) or 0 when absent.
        var season: UInt8
    }

    /// `S` for `S` or `s`, `W` for `W` or `w`, nil for any other byte.
    @inline(__always)
    static func season(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "S"), UInt8(ascii: "s"): return UInt8(ascii: "S")
        case UInt8(ascii: "W"), UInt8(ascii: "w"): return UInt8(ascii: "W")
        default: return nil
        }
    }

    /// Whether the group has the shape of a P1 time (12 digits and an optional S/W), valid or a placeholder.
    static func looksLikeTime(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard range.count == 12 || range.count == 13 else { return false }
        for index in range.lowerBound..<range.lowerBound + 12 where bytes[index] &- UInt8(ascii: "0") >= 10 {
            return false
        }
        return range.count == 12 || season(bytes[range.upperBound - 1]) != nil
    }

    static func wallClock(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> WallClock? {
        let count = range.count
        guard count == 12 || count == 13 else { return nil }
        var season: UInt8 = 0
        if count == 13 {
            guard let flag = Self.season(bytes[range.upperBound - 1]) else { return nil }
            season = flag
        }
        func pair(_ part: Int) -> Int? {
            let high = bytes[range.lowerBound + 2 * part] &- UInt8(ascii: "0")
            let low = bytes[range.lowerBound + 2 * part + 1] &- UInt8(ascii: "0")
            return high < 10 && low < 10 ? Int(high) * 10 + Int(low) : nil
        }
        guard let yy = pair(0), let month = pair(1), let day = pair(2), let hour = pair(3), let minute = pair(4),
              let second = pair(5) else { return nil }
        // Two-digit years as POSIX strptime reads them: 69-99 -> 19xx, 00-68 -> 20xx.
        let year = yy >= 69 ? 1900 + yy : 2000 + yy
        guard let seconds = civilSeconds(year: year, month: month, day: day, hour: hour, minute: minute,
                                         second: second) else { return nil }
        return WallClock(seconds: seconds, season: season)
    }

    /// Validated calendar fields -> seconds since 1970 as if the wall clock were UTC.
    static func civilSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60 else { return nil }
        return CivilTime.secondsSinceEpoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// `1-0:1.8.1`, `0-1:24.2.1`, `1-0:1.8.0*255` or the short IEC forms `1.8.0` and `32.7` (A = 1, B = 0, E = 0).
    static func obis(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> ObisCode? {
        // Up to six numbers; separators are recorded as a pattern, one character per gap.
        var values: UInt64 = 0        // the numbers, 8 bits each, first in the lowest byte
        var pattern: UInt32 = 0       // separators: 1 '-', 2 ':', 3 '.' or '*', 2 bits each
        var count = 0
        var index = range.lowerBound
        let end = range.upperBound
        while true {
            var value = 0
            let start = index
            while index < end {
                let digit = bytes[index] &- UInt8(ascii: "0")
                if digit >= 10 { break }
                value = min(value * 10 + Int(digit), 256)   // saturates: a long digit run must not overflow
                index += 1
            }
            guard index > start, value <= 255, count < 6 else { return nil }
            values |= UInt64(value) << UInt64(8 * count)
            count += 1
            if index == end { break }
            let kind: UInt32
            switch bytes[index] {
            case UInt8(ascii: "-"): kind = 1
            case UInt8(ascii: ":"): kind = 2
            case UInt8(ascii: "."), UInt8(ascii: "*"): kind = 3
            default: return nil
            }
            pattern |= kind << UInt32(2 * (count - 1))
            index += 1
        }
        @inline(__always) func group(_ n: Int) -> UInt8 { UInt8(truncatingIfNeeded: values >> UInt64(8 * n)) }
        switch count {
        case 5 where pattern == 0b11_11_10_01, 6 where pattern == 0b11_11_11_10_01:
            return ObisCode(group(0), group(1), group(2), group(3), group(4), count == 6 ? group(5) : 255)
        case 3 where pattern == 0b1111:
            return ObisCode(1, 0, group(0), group(1), group(2))
        case 2 where pattern == 0b11:
            return ObisCode(1, 0, group(0), group(1), 0)
        default:
            return nil
        }
    }

    /// The group as text: hex digits that decode to printable ASCII become that text (equipment ids and messages
    /// are sent hex-encoded), anything else is kept as sent.
    static func text(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, decodeHex: Bool) -> String {
        if decodeHex, let decoded = printableHex(bytes, range) { return decoded }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private static func printableHex(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        guard !range.isEmpty, range.count % 2 == 0 else { return nil }
        @inline(__always) func decoded(at index: Int) -> UInt8? {
            guard let high = Hex.nibbleValue(bytes[index]), let low = Hex.nibbleValue(bytes[index + 1]) else { return nil }
            let byte = high << 4 | low
            return (0x20..<0x7F).contains(byte) ? byte : nil
        }
        // Check first, then write the text in place (no intermediate array; short texts need no allocation).
        for index in stride(from: range.lowerBound, to: range.upperBound, by: 2) where decoded(at: index) == nil {
            return nil
        }
        return String(unsafeUninitializedCapacity: range.count / 2) { text in
            var out = 0
            for index in stride(from: range.lowerBound, to: range.upperBound, by: 2) {
                text[out] = decoded(at: index)!
                out += 1
            }
            return out
        }
    }
}
