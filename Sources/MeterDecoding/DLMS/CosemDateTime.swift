/// A COSEM `date-time` (12 bytes): year, month, day, weekday, hour, minute, second, hundredths, deviation, clock status.
///
/// Fields a meter leaves "not specified" (0xFF, 0xFFFF for the year) read as `nil`. The deviation is the number of
/// minutes to add to the local time to get UTC (0xFF88 = -120 means local time is UTC+02:00); 0x8000 means not
/// specified. Stored in its wire form (14 bytes) so that decoded values stay small and copy cheaply.
public struct CosemDateTime: Sendable, Equatable {
    private var rawYear: UInt16 = 0xFFFF
    private var rawMonth: UInt8 = 0xFF
    private var rawDay: UInt8 = 0xFF
    private var rawWeekday: UInt8 = 0xFF
    private var rawHour: UInt8 = 0xFF
    private var rawMinute: UInt8 = 0xFF
    private var rawSecond: UInt8 = 0xFF
    private var rawHundredths: UInt8 = 0xFF
    private var rawDeviation: Int16 = .min
    private var rawStatus: UInt8 = 0xFF

    /// Reads the 12 bytes of `bytes` (fewer or more give an all-unspecified value).
    public init(bytes: ArraySlice<UInt8>) {
        guard bytes.count == 12 else { return }
        let s = bytes.startIndex
        rawYear = UInt16(bytes[s]) << 8 | UInt16(bytes[s + 1])
        rawMonth = bytes[s + 2]
        rawDay = bytes[s + 3]
        rawWeekday = bytes[s + 4]
        rawHour = bytes[s + 5]
        rawMinute = bytes[s + 6]
        rawSecond = bytes[s + 7]
        rawHundredths = bytes[s + 8]
        rawDeviation = Int16(bitPattern: UInt16(bytes[s + 9]) << 8 | UInt16(bytes[s + 10]))
        rawStatus = bytes[s + 11]
    }

    /// The 12 bytes as sent on the wire.
    public var wireBytes: [UInt8] {
        let deviation = UInt16(bitPattern: rawDeviation)
        return [UInt8(rawYear >> 8), UInt8(rawYear & 0xFF), rawMonth, rawDay, rawWeekday, rawHour, rawMinute, rawSecond,
                rawHundredths, UInt8(deviation >> 8), UInt8(deviation & 0xFF), rawStatus]
    }

    public init(year: Int?, month: Int?, day: Int?, hour: Int?, minute: Int?, second: Int?,
                hundredths: Int? = nil, deviationMinutes: Int? = nil, clockStatus: UInt8? = nil) {
        rawYear = year.map { UInt16(clamping: $0) } ?? 0xFFFF
        rawMonth = month.map { UInt8(clamping: $0) } ?? 0xFF
        rawDay = day.map { UInt8(clamping: $0) } ?? 0xFF
        rawHour = hour.map { UInt8(clamping: $0) } ?? 0xFF
        rawMinute = minute.map { UInt8(clamping: $0) } ?? 0xFF
        rawSecond = second.map { UInt8(clamping: $0) } ?? 0xFF
        rawHundredths = hundredths.map { UInt8(clamping: $0) } ?? 0xFF
        rawDeviation = deviationMinutes.map { Int16(clamping: $0) } ?? .min
        rawStatus = clockStatus ?? 0xFF
    }

    public var year: Int? { rawYear == 0xFFFF ? nil : Int(rawYear) }
    public var month: Int? { Self.field(rawMonth, valid: 1...12) }
    public var day: Int? { Self.field(rawDay, valid: 1...31) }
    public var weekday: Int? { Self.field(rawWeekday, valid: 1...7) }
    public var hour: Int? { Self.field(rawHour, valid: 0...23) }
    public var minute: Int? { Self.field(rawMinute, valid: 0...59) }
    public var second: Int? { Self.field(rawSecond, valid: 0...59) }
    public var hundredths: Int? { Self.field(rawHundredths, valid: 0...99) }
    /// Minutes to add to the local time to get UTC; nil when not specified (0x8000) or out of range.
    public var deviationMinutes: Int? {
        rawDeviation == .min || !(-720...840).contains(rawDeviation) ? nil : Int(rawDeviation)
    }
    public var clockStatus: UInt8? { rawStatus == 0xFF ? nil : rawStatus }

    private static func field(_ byte: UInt8, valid: ClosedRange<Int>) -> Int? {
        valid.contains(Int(byte)) ? Int(byte) : nil
    }

    /// The wall-clock time as seconds since 1970-01-01 read as if it were UTC, when the date and time of day are
    /// fully specified (hundredths are dropped: readings are second-resolution).
    public var wallClockSeconds: Int64? {
        guard let year, let month, let day, let hour, let minute, let second else { return nil }
        guard (1970...9999).contains(year), day <= CivilTime.daysInMonth(year: year, month: month) else { return nil }
        return CivilTime.secondsSinceEpoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The instant in UTC seconds: the transmitted deviation when there is one, else the wall clock read in `zone`.
    public func utcSeconds(in zone: ZoneOffsetResolver) -> Int64? {
        guard let local = wallClockSeconds else { return nil }
        if let deviationMinutes {
            return local + Int64(deviationMinutes) * 60
        }
        return zone.utcSeconds(fromWallClock: local)
    }
}
