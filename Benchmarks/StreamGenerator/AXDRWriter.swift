/// Appends A-XDR encoded DLMS data (IEC 62056-6-2) to a byte buffer: just the types the generated push messages use.
struct AXDRWriter {
    private(set) var bytes: [UInt8] = []

    /// A-XDR length: one byte below 128, else 0x81/0x82 and the length in one or two bytes.
    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        if count <= 0xFF { return [0x81, UInt8(count)] }
        return [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
    }

    mutating func raw(_ more: [UInt8]) { bytes += more }

    mutating func structure(_ count: Int) { bytes += [0x02] + Self.length(count) }
    mutating func array(_ count: Int) { bytes += [0x01] + Self.length(count) }
    mutating func octetString(_ value: [UInt8]) { bytes += [0x09] + Self.length(value.count) + value }
    mutating func unsigned8(_ value: UInt8) { bytes += [0x11, value] }
    mutating func long16(_ value: Int16) { bytes += [0x10] + bigEndian(UInt64(UInt16(bitPattern: value)), 2) }
    mutating func longUnsigned16(_ value: UInt16) { bytes += [0x12] + bigEndian(UInt64(value), 2) }
    mutating func doubleLongUnsigned32(_ value: UInt32) { bytes += [0x06] + bigEndian(UInt64(value), 4) }
    mutating func long64(_ value: Int64) { bytes += [0x14] + bigEndian(UInt64(bitPattern: value), 8) }
    mutating func long64Unsigned(_ value: UInt64) { bytes += [0x15] + bigEndian(value, 8) }

    /// A COSEM date-time (12 bytes) without deviation (0x8000) as the L+G meters send it.
    static func dateTime(_ time: CivilDateTime, status: UInt8) -> [UInt8] {
        let year = UInt16(time.year)
        return [UInt8(year >> 8), UInt8(year & 0xFF), UInt8(time.month), UInt8(time.day), UInt8(time.weekday),
                UInt8(time.hour), UInt8(time.minute), UInt8(time.second), 0xFF, 0x80, 0x00, status]
    }

    private func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(count - 1 - $0))) }
    }
}

/// Wall-clock time of the generated meter (no time zone: the L+G meters send local time without deviation).
struct CivilDateTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// ISO weekday, Monday = 1.
    var weekday: Int {
        // Days since 1970-01-01 (a Thursday), proleptic Gregorian.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return ((days % 7) + 7 + 3) % 7 + 1
    }

    mutating func advance(seconds: Int) {
        second += seconds
        while second >= 60 { second -= 60; minute += 1 }
        while minute >= 60 { minute -= 60; hour += 1 }
        while hour >= 24 {
            hour -= 24
            day += 1
            if day > daysInMonth { day = 1; month += 1 }
            if month > 12 { month = 1; year += 1 }
        }
    }

    private var daysInMonth: Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
